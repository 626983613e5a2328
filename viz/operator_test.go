package viz

import (
	"slices"
	"strings"
	"testing"
)

// Keys 1 to 9 send the operator commands a live view offers, in order, once each; the panel shows the last
// one sent and the help box lists them.
func TestOperatorCommandKeys(t *testing.T) {
	run, route := testRun(1)
	st := NewState(run)
	st.Key(KeyCommand, false) // nothing offered: nothing sent
	if got := st.TakeCommands(); len(got) != 0 || st.LastCommand != "" {
		t.Fatalf("sent %v without commands", got)
	}
	if slices.Equal(HelpText(st), HelpLines) == false {
		t.Error("help without commands differs from HelpLines")
	}
	st.Commands = []string{"change to the left lane", "drive slowly", ""}
	st.Key(KeyCommand+1, false)
	st.Key(KeyCommand, false)
	st.Key(KeyCommand+2, false)
	st.Key(KeyCommand+5, false) // not offered
	if got := st.TakeCommands(); !slices.Equal(got, []string{"drive slowly", "change to the left lane", ""}) {
		t.Errorf("sent %q", got)
	}
	if got := st.TakeCommands(); len(got) != 0 {
		t.Errorf("commands sent twice: %q", got)
	}
	st.Key(KeyCommand, false)
	found := false
	for _, l := range PanelLines(NewScene(run, route), &run.Frames[0], st) {
		found = found || l.Text == "operator sent: change to the left lane"
	}
	if !found {
		t.Error("the panel does not show the last command sent")
	}
	help := strings.Join(HelpText(st), "\n")
	for _, want := range []string{"1           change to the left lane", "2           drive slowly", "3           (back to the route's instructions)"} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q:\n%s", want, help)
		}
	}
}
