package commonroad

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var longTests = flag.Bool("long", false, "compare every CommonRoad file's fast-path tree with encoding/xml's")

// sameTree describes the first difference between two element trees, "" when there is none.
func sameTree(a, b *node, path string) string {
	switch {
	case a == nil || b == nil:
		if a != b {
			return path + ": one tree is missing"
		}
		return ""
	case a.name != b.name:
		return fmt.Sprintf("%s: name %q vs %q", path, a.name, b.name)
	case a.line != b.line:
		return fmt.Sprintf("%s<%s>: line %d vs %d", path, a.name, a.line, b.line)
	case a.text != b.text:
		return fmt.Sprintf("%s<%s>: text %q vs %q", path, a.name, a.text, b.text)
	case len(a.attrs) != len(b.attrs):
		return fmt.Sprintf("%s<%s>: %d vs %d attributes", path, a.name, len(a.attrs), len(b.attrs))
	case len(a.kids) != len(b.kids):
		return fmt.Sprintf("%s<%s>: %d vs %d children", path, a.name, len(a.kids), len(b.kids))
	}
	for i := range a.attrs {
		if a.attrs[i] != b.attrs[i] {
			return fmt.Sprintf("%s<%s>: attribute %+v vs %+v", path, a.name, a.attrs[i], b.attrs[i])
		}
	}
	for i := range a.kids {
		if d := sameTree(a.kids[i], b.kids[i], path+"/"+a.name); d != "" {
			return d
		}
	}
	return ""
}

// TestScanXMLMatchesEncodingXML reads every CommonRoad file of the shared data (scenarios and solutions)
// with the fast path, which must take every one of them, and every eighth one (all of them with -long) with
// encoding/xml too: the trees must be the same, names, attributes, texts and lines alike.
func TestScanXMLMatchesEncodingXML(t *testing.T) {
	var files []string
	err := filepath.WalkDir(needData(t), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".xml") || strings.HasSuffix(p, ".xml.gz")) {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 875 {
		t.Fatalf("found %d XML files under %s, want at least the 875 scenarios", len(files), dataDir)
	}
	for i, f := range files {
		data, err := readMaybeGz(f)
		if err != nil {
			t.Fatal(err)
		}
		fast, ok := scanXML(data)
		if !ok {
			t.Errorf("%s: the fast path gave up on it", f)
			continue
		}
		if i%8 != 0 && !*longTests {
			continue
		}
		ref, err := decodeXML(data, f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if d := sameTree(fast, ref, ""); d != "" {
			t.Errorf("%s: %s", f, d)
		}
	}
}

// TestScanXMLCases checks the fast path on the constructs it reads and those it leaves to encoding/xml.
func TestScanXMLCases(t *testing.T) {
	reads := []string{
		`<a/>`,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- made by hand -->\n<a x='1' y=\"two\"><b>\n 3.5 </b><c/></a>\n",
		`<?xml version='1.0'?><a><b>&lt;&amp;&gt;&apos;&quot;</b></a>`,
		"<ns:a xmlns:ns=\"urn:x\" ns:k=\"v\"\n   other = \"w\">\n<ns:b>1<!-- c -->2</ns:b></ns:a>",
		`<a p="x&amp;y"><b>text</b> tail <c>5</c></a>  trailing text`,
		`<?pi some data?><a b="1"c="2"><d/></a><!-- after -->`,
	}
	for _, doc := range reads {
		fast, ok := scanXML([]byte(doc))
		if !ok {
			t.Errorf("fast path gave up on %q", doc)
			continue
		}
		ref, err := decodeXML([]byte(doc), "doc.xml")
		if err != nil {
			t.Fatalf("%q: %v", doc, err)
		}
		if d := sameTree(fast, ref, ""); d != "" {
			t.Errorf("%q: %s", doc, d)
		}
	}
	leaves := []string{
		``, `   `, `hello`, `<a>`, `<a></b>`, `<a/><b/>`, `<a><![CDATA[1]]></a>`, `<!DOCTYPE a><a/>`,
		`<a>&#65;</a>`, `<a>&nbsp;</a>`, `<a>caf` + "\u00e9" + `</a>`, "<a>\r\n1</a>", `<a x=1/>`, `<a x="<"/>`,
		`<a:b:c/>`, `<1a/>`, `<a><!-- x -- y --></a>`, `<?xml version="1.0" encoding="latin1"?><a/>`,
		`<?xml version="1.1"?><a/>`, `<a>]]></a>`, "<a>\x01</a>", `<a`, `<a b="1"`, `<a><b></a>`,
	}
	for _, doc := range leaves {
		if _, ok := scanXML([]byte(doc)); ok {
			t.Errorf("fast path read %q; it should leave it to encoding/xml", doc)
		}
	}
	// What the fast path leaves to encoding/xml still reads, or fails with the reader's errors.
	if n, err := parseBytes([]byte(`<a><![CDATA[ 1 ]]></a>`), "c.xml"); err != nil || n.text != "1" {
		t.Errorf("CDATA through the fallback: %+v, %v", n, err)
	}
	if _, err := parseBytes([]byte(`<a><b></a`), "t.xml"); err == nil || !strings.Contains(err.Error(), "truncated XML") {
		t.Errorf("truncated document: %v", err)
	}
}

// FuzzScanXML checks that whatever the fast path reads, encoding/xml reads the same.
func FuzzScanXML(f *testing.F) {
	f.Add([]byte("<?xml version=\"1.0\"?>\n<a x='1'><b>2</b><!-- c --><d/></a>"))
	f.Add([]byte(`<ns:a ns:k="&amp;"><b> 1 </b></ns:a>`))
	f.Add([]byte(minimal))
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ok := scanXML(data)
		if !ok {
			return
		}
		ref, err := decodeXML(data, "fuzz.xml")
		if err != nil {
			t.Fatalf("fast path read what encoding/xml refuses (%v): %q", err, data)
		}
		if d := sameTree(fast, ref, ""); d != "" {
			t.Fatalf("%s: %q", d, data)
		}
	})
}

// readMaybeGz reads a file, decompressing it when it is gzip.
func readMaybeGz(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil || len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
		return data, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// BenchmarkParseXML reads one large real file (an NGSIM scenario, about 0.9 MB of XML) with the fast path
// and with encoding/xml: go test ./scenarios/commonroad -run '^$' -bench ParseXML
func BenchmarkParseXML(b *testing.B) {
	data, err := readMaybeGz(filepath.Join(needData(b), "NGSIM/USA_US101-3_3_T-1.xml.gz"))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("scan", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for range b.N {
			if _, ok := scanXML(data); !ok {
				b.Fatal("fast path gave up")
			}
		}
	})
	b.Run("encoding-xml", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for range b.N {
			if _, err := decodeXML(data, "b.xml"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
