package main

import (
	"fmt"
	"os"
	"path/filepath"

	"asyncdrive/scenarios/commonroad"
)

func main() {
	files, _ := filepath.Glob(os.Args[1])
	n := 0
	for _, f := range files {
		res, err := commonroad.Import(f)
		if err != nil {
			continue
		}
		if u := res.Goal.Unreachable(); u != "" {
			n++
			fmt.Println(filepath.Base(f), u)
		}
	}
	fmt.Println(n, "unreachable of", len(files))
}
