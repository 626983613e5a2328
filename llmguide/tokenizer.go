package llmguide

import (
	"strconv"
	"strings"
)

// MaxWords is the length of the instruction input: longer instructions are cut, shorter ones 0-padded.
const MaxWords = 16

// Word ids: 0 pads, 1 is an unknown word; the vocabulary's words follow from 2.
const (
	PadID     = 0
	UnknownID = 1
)

// Vocabulary is the instruction vocabulary, in id order from 2. Changing it changes the ids: a model is
// trained for one vocabulary (its model card names VocabularyVersion).
var Vocabulary = strings.Fields(`
turn left right in meters go straight keep going change to the lane drive slowly stop at pickup zone
drop off slow down speed up faster yield follow road exit take next and then continue ahead
10 20 30 40 50 60 70 80 90 100
`)

// VocabularyVersion identifies Vocabulary.
const VocabularyVersion = 1

var wordIDs = func() map[string]int64 {
	m := make(map[string]int64, len(Vocabulary))
	for i, w := range Vocabulary {
		m[w] = int64(i + 2)
	}
	return m
}()

// VocabularySize is the number of word ids (pad and unknown included).
func VocabularySize() int { return len(Vocabulary) + 2 }

// Tokenize splits an instruction into lower-case words (letters and digits; everything else separates
// them), rounds numbers to tens of metres (5..104 -> "10".."100"), and returns MaxWords ids in dst (grown
// when needed): unknown words map to UnknownID, the rest is padding.
func Tokenize(text string, dst []int64) []int64 {
	if cap(dst) < MaxWords {
		dst = make([]int64, MaxWords)
	}
	dst = dst[:MaxWords]
	clear(dst)
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
	n := 0
	for _, w := range words {
		if n == MaxWords {
			break
		}
		if v, err := strconv.Atoi(w); err == nil {
			w = strconv.Itoa(min(100, max(10, (v+5)/10*10)))
		}
		if id, ok := wordIDs[w]; ok {
			dst[n] = id
		} else {
			dst[n] = UnknownID
		}
		n++
	}
	return dst
}
