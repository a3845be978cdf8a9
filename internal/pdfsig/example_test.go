package pdfsig_test

import (
	"fmt"
	"log"

	"signet/internal/pdfsig"
	"signet/internal/pdftest"
)

func ExampleInspect() {
	pdf := pdftest.Document(pdftest.Page{}, pdftest.Page{Width: 842, Height: 595})
	info, err := pdfsig.Inspect(pdf)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(info.Pages, info.Boxes[1], info.Rotate[1])
	// Output: 2 [0 0 842 595] 0
}

func ExampleFindText() {
	pdf := pdftest.Document(
		pdftest.Page{Texts: []pdftest.Text{{X: 72, Y: 700, S: "甲方（盖章）"}, {X: 320, Y: 700, S: "乙方（盖章）"}}},
		pdftest.Page{Texts: []pdftest.Text{{X: 72, Y: 120, S: "甲方（盖章）"}}},
	)
	hits, err := pdfsig.FindText(pdf, "甲方（盖章）")
	if err != nil {
		log.Fatal(err)
	}
	// The seal goes on the second occurrence.
	fmt.Printf("page %d, %.2f\n", hits[1].Page, hits[1].Rect)
	// Output: page 2, [72.00 118.56 144.00 130.56]
}
