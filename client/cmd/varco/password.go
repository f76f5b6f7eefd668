package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// readPassword returns VARCO_PASSWORD when set (scripts), or reads one line
// from stdin: with a prompt and without echo when stdin is a terminal, as
// is from a pipe.
func (c *cli) readPassword() (string, error) {
	if p := c.getenv("VARCO_PASSWORD"); p != "" {
		return p, nil
	}
	if f, ok := c.stdin.(*os.File); ok && isCharDevice(f) {
		fmt.Fprint(c.stderr, "Password: ")
		restore, err := noEcho(f)
		p, rerr := readLine(f)
		if err == nil {
			restore()
			fmt.Fprintln(c.stderr) // the user's Enter was not echoed
		}
		return p, rerr
	}
	return readLine(c.stdin)
}

func isCharDevice(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// readLine reads up to the first newline. It reads byte by byte on
// purpose: a buffered reader could swallow input meant for later.
func readLine(r io.Reader) (string, error) {
	var b strings.Builder
	buf := make([]byte, 1)
	for {
		n, err := r.Read(buf)
		if n == 1 {
			if buf[0] == '\n' {
				break
			}
			b.WriteByte(buf[0])
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
	}
	p := strings.TrimRight(b.String(), "\r")
	if p == "" {
		return "", errors.New("no password given (type it, pipe it to stdin, or set VARCO_PASSWORD)")
	}
	return p, nil
}
