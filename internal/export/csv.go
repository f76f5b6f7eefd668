package export

import (
	"encoding/csv"
	"io"
	"strings"
	"unicode/utf8"
)

// BOM is the UTF-8 byte order mark that starts every file: without it Excel
// reads a CSV in the system's legacy code page and "Niccolò" becomes
// "NiccolÃ²".
const BOM = "\ufeff"

// csvWriter is encoding/csv set up for spreadsheets: BOM, CRLF, the chosen
// delimiter, and every cell defused against formula injection.
type csvWriter struct {
	w      *csv.Writer
	record []string
}

func newCSVWriter(w io.Writer, delimiter rune) (*csvWriter, error) {
	if _, err := io.WriteString(w, BOM); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(w)
	cw.Comma = delimiter
	cw.UseCRLF = true // RFC 4180, and what Excel writes itself
	return &csvWriter{w: cw}, nil
}

// write writes one row. The record slice is reused across calls.
func (c *csvWriter) write(cells []string) error {
	c.record = c.record[:0]
	for _, s := range cells {
		c.record = append(c.record, Defuse(s))
	}
	return c.w.Write(c.record)
}

func (c *csvWriter) flush() error {
	c.w.Flush()
	return c.w.Error()
}

// formulaStarts are the first characters that make Excel, LibreOffice or
// Google Sheets read a cell as a formula (or, for tab and CR, shift it into
// one); the full-width forms are folded to them by some locales.
const formulaStarts = "=+-@\t\r\n＝＋－＠"

// Defuse returns s prefixed with an apostrophe when a spreadsheet would
// evaluate it: a citizen controls their name and notes, and
// "=HYPERLINK(...)" in a name must stay text on the office's computer
// (OWASP "CSV injection"). Other values are returned unchanged.
func Defuse(s string) string {
	if first, _ := utf8.DecodeRuneInString(s); s != "" && strings.ContainsRune(formulaStarts, first) {
		return "'" + s
	}
	return s
}

// ChunkSize is the size of the pieces an export is sent in: large enough
// that framing costs nothing, small enough that a client sees progress and
// that neither side buffers much.
const ChunkSize = 32 << 10

// Chunker collects writes and hands them on in pieces of about size bytes
// (at least size, except the last); the slice passed to send is reused
// afterwards, so send must not keep it.
type Chunker struct {
	buf  []byte
	size int
	send func([]byte) error
	// Bytes counts what was handed to send.
	Bytes int64
}

// NewChunker returns a Chunker of pieces of size bytes.
func NewChunker(size int, send func([]byte) error) *Chunker {
	return &Chunker{buf: make([]byte, 0, size+4096), size: size, send: send}
}

// Write implements io.Writer.
func (c *Chunker) Write(p []byte) (int, error) {
	c.buf = append(c.buf, p...)
	if len(c.buf) >= c.size {
		if err := c.Flush(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Flush sends what is buffered, if anything.
func (c *Chunker) Flush() error {
	if len(c.buf) == 0 {
		return nil
	}
	err := c.send(c.buf)
	c.Bytes += int64(len(c.buf))
	c.buf = c.buf[:0]
	return err
}
