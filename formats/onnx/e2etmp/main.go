package main

import (
	"context"
	"fmt"
	"os"

	"github.com/modelgate/modelgate/formats"
	_ "github.com/modelgate/modelgate/formats/keras"
	_ "github.com/modelgate/modelgate/formats/onnx"
	_ "github.com/modelgate/modelgate/formats/tensorflow"
	_ "github.com/modelgate/modelgate/formats/tflite"
	_ "github.com/modelgate/modelgate/formats/zip"
	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/fetch"
)

func main() {
	var ts []scanner.Target
	for _, p := range os.Args[1:] {
		src, err := fetch.NewLocal(p)
		if err != nil {
			panic(err)
		}
		ts = append(ts, scanner.Target{Name: p, Source: src})
	}
	rep, err := scanner.Scan(context.Background(), ts, scanner.Options{Jobs: 1, FailOn: formats.Medium})
	if err != nil {
		panic(err)
	}
	for _, f := range rep.Files {
		line := fmt.Sprintf("%-12s %v %s %s %s", f.Outcome, f.Formats, f.Path, f.Reason, f.Error)
		fmt.Println(line)
		for _, x := range f.Findings {
			if x.Severity >= formats.Low || os.Getenv("ALL") != "" {
				fmt.Println("    ", x.String())
			}
		}
	}
	fmt.Println(rep.Errors)
}
