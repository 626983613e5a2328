package eval

import (
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"asyncdrive/scenarios"
	"asyncdrive/scenarios/commonroad"
)

// Item is one scenario of a suite, not yet loaded: Load is called inside a worker, so a suite of generated
// scenarios is never held in memory at once and a bad file fails only its own item.
type Item struct {
	// Key identifies the item within its suite and is stable across runs: the file path relative to the
	// scenario folder (with forward slashes), or "type/NNN" for a generated scenario. Keys are unique.
	Key string
	// Type is the scenario type if known before loading ("" for files: it is read from the scenario).
	Type string
	// Source says where the scenario comes from: the file path, or "builtin".
	Source string
	// Load reads or generates the scenario, with its goal when the source describes one (nil otherwise: see
	// Runner).
	Load func() (*scenarios.Scenario, Goal, error)

	// peek reads the id and type of a file that did not load, where it can (FolderItems sets it).
	peek func() (id, typ string)
}

// FolderItems lists the scenario files under dir, recursively (names matching scenarios.IsScenarioFile, or
// CommonRoad scenarios matching commonroad.IsFile, solution files excluded; hidden files and folders, whose
// names start with ".", are skipped), sorted by their path relative to dir. Symbolic links are followed, to
// files and to folders (a dataset linked into a folder of its own counts as if copied there); a link that
// leads back into a folder being listed, or nowhere, is skipped. The format is chosen per file, so a folder
// may mix both.
func FolderItems(dir string) ([]Item, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s: not a folder", dir)
	}
	var rels []string
	if err := listScenarioFiles(dir, "", map[string]bool{}, &rels); err != nil {
		return nil, err
	}
	if len(rels) == 0 {
		return nil, fmt.Errorf("%s: no scenario files (*.json, *.json.gz, CommonRoad *.xml, *.xml.gz)", dir)
	}
	slices.Sort(rels)
	items := make([]Item, len(rels))
	for i, rel := range rels {
		items[i] = fileItem(rel, filepath.Join(dir, filepath.FromSlash(rel)))
	}
	return items, nil
}

// listScenarioFiles appends to rels the scenario files under root/rel (paths relative to root, with "/"),
// following symbolic links. open holds the resolved paths of the folders being listed, so that a link
// back into one of them is not walked again.
func listScenarioFiles(root, rel string, open map[string]bool, rels *[]string) error {
	dir := filepath.Join(root, filepath.FromSlash(rel))
	resolved, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return err
	}
	if open[resolved] {
		return nil
	}
	open[resolved] = true
	defer delete(open, resolved)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		sub := path.Join(rel, name)
		mode := e.Type()
		if mode&fs.ModeSymlink != 0 {
			st, err := os.Stat(filepath.Join(dir, name))
			if err != nil {
				continue // a link to nothing
			}
			mode = st.Mode().Type()
		}
		switch {
		case mode.IsDir():
			if err := listScenarioFiles(root, sub, open, rels); err != nil {
				return err
			}
		case mode.IsRegular() && (scenarios.IsScenarioFile(name) || commonroad.IsFile(name)):
			*rels = append(*rels, sub)
		}
	}
	return nil
}

// FileItem returns the item of one scenario file, its format (asyncdrive JSON or CommonRoad XML) chosen by
// its name; the key is the file's base name.
func FileItem(file string) (Item, error) {
	name := filepath.Base(file)
	if !scenarios.IsScenarioFile(name) && !commonroad.IsFile(name) {
		return Item{}, fmt.Errorf("%s: not a scenario file (*.json, *.json.gz, CommonRoad *.xml, *.xml.gz)", file)
	}
	return fileItem(name, file), nil
}

func fileItem(key, file string) Item {
	if commonroad.IsFile(key) {
		return Item{Key: key, Source: file, Load: func() (*scenarios.Scenario, Goal, error) { return loadCommonRoad(file) },
			peek: func() (string, string) { return "", "" }}
	}
	return Item{Key: key, Source: file,
		Load: func() (*scenarios.Scenario, Goal, error) {
			sc, err := scenarios.Load(file)
			return sc, nil, err
		},
		peek: func() (string, string) { return peekFile(file) },
	}
}

// loadCommonRoad imports a CommonRoad file with its planning problem's goal (nil if the goal has no state).
func loadCommonRoad(file string) (*scenarios.Scenario, Goal, error) {
	res, err := commonroad.Import(file)
	if err != nil {
		return nil, nil, err
	}
	return res.Scenario, CommonRoadGoal(&res.Goal), nil
}

// CommonRoadGoal returns an imported CommonRoad goal as a Goal (a GoalMisser), or nil when it has no state.
func CommonRoadGoal(g *commonroad.Goal) Goal {
	if len(g.States) == 0 {
		return nil
	}
	return g
}

// peekFile reads the "id" and "type" of a scenario file that failed to load, so that its failure is
// counted under its type. It gives "" for what it cannot read.
func peekFile(file string) (id, typ string) {
	f, err := os.Open(file)
	if err != nil {
		return "", ""
	}
	defer f.Close()
	var r io.Reader = f
	br := bufio.NewReader(f)
	r = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return "", ""
		}
		defer zr.Close()
		r = zr
	}
	var head struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	}
	if json.NewDecoder(io.LimitReader(r, 256<<20)).Decode(&head) != nil {
		return "", ""
	}
	return head.ID, head.Type
}

// keyID is the id reported for an item that did not load: the key's base name without extension.
func keyID(key string) string {
	base := path.Base(key)
	for _, ext := range []string{".json.gz", ".json", ".cr.xml.gz", ".cr.xml", ".xml.gz", ".xml"} {
		if s, ok := strings.CutSuffix(base, ext); ok {
			return s
		}
	}
	return base
}

// suiteHash fingerprints the ordered list of keys: runs, resumes and shards of the same suite agree on it.
func suiteHash(items []Item) (string, error) {
	h := sha256.New()
	seen := make(map[string]bool, len(items))
	for _, it := range items {
		if it.Key == "" || strings.ContainsRune(it.Key, '\n') {
			return "", fmt.Errorf("bad item key %q", it.Key)
		}
		if seen[it.Key] {
			return "", fmt.Errorf("duplicate item key %q", it.Key)
		}
		seen[it.Key] = true
		h.Write([]byte(it.Key))
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil)[:12]), nil
}

// Shard selects a deterministic slice of a suite: scenario k (in suite order) belongs to shard k mod N.
// The zero value (N = 0) is the whole suite, as is N = 1.
type Shard struct {
	I, N int
}

// Whole reports whether s selects the whole suite.
func (s Shard) Whole() bool { return s.N <= 1 }

// Has reports whether suite index k belongs to shard s.
func (s Shard) Has(k int) bool { return s.Whole() || k%s.N == s.I }

// String returns "I/N", or "" for the whole suite.
func (s Shard) String() string {
	if s.Whole() {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.I, s.N)
}

// ParseShard parses "I/N" with 0 <= I < N. An empty string is the whole suite.
func ParseShard(s string) (Shard, error) {
	if s == "" {
		return Shard{}, nil
	}
	is, ns, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(is)
	n, err2 := strconv.Atoi(ns)
	if !ok || err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("shard %q: want I/N, e.g. 0/4", s)
	}
	return NewShard(i, n)
}

// NewShard checks 0 <= i < n.
func NewShard(i, n int) (Shard, error) {
	if n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("shard %d/%d: want 0 <= I < N", i, n)
	}
	if n == 1 {
		return Shard{}, nil
	}
	return Shard{I: i, N: n}, nil
}

// JobIndexEnv is the variable a Kubernetes Indexed Job sets to each pod's completion index.
const JobIndexEnv = "JOB_COMPLETION_INDEX"

// ShardFromEnv returns shard I/n with I read from JOB_COMPLETION_INDEX (via getenv).
func ShardFromEnv(n int, getenv func(string) string) (Shard, error) {
	v := getenv(JobIndexEnv)
	if v == "" {
		return Shard{}, errors.New("--shards needs " + JobIndexEnv + " (set by a Kubernetes Indexed Job); use --shard I/N otherwise")
	}
	i, err := strconv.Atoi(v)
	if err != nil {
		return Shard{}, fmt.Errorf("%s=%q: not an integer", JobIndexEnv, v)
	}
	return NewShard(i, n)
}
