package app_test

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime/quotedprintable"
)

func base64Reader(data []byte) io.Reader {
	return base64.NewDecoder(base64.StdEncoding, bytes.NewReader(bytes.ReplaceAll(bytes.ReplaceAll(data, []byte("\r"), nil), []byte("\n"), nil)))
}

func qpReader(data []byte) io.Reader { return quotedprintable.NewReader(bytes.NewReader(data)) }
