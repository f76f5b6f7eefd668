package api

import (
	"encoding/base64"
	"encoding/json"

	"github.com/varco-gate/varco/internal/fault"
)

// Page sizes shared by list RPCs.
const (
	defaultPageSize = 50
	maxPageSize     = 200
)

// cursor is the keyset position a page token encodes. Tokens are opaque to
// clients; base64url JSON keeps them URL-safe and easy to debug.
type cursor struct {
	Key string `json:"k"`
	ID  string `json:"i"`
}

var errPageToken = fault.InvalidField("page_token", "page_token")

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c) // a struct of two strings always encodes.
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(token string) (cursor, error) {
	var c cursor
	if token == "" {
		return c, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || json.Unmarshal(b, &c) != nil {
		return c, errPageToken
	}
	return c, nil
}

func pageSize(n int32) (int, error) {
	switch {
	case n == 0:
		return defaultPageSize, nil
	case n < 0 || n > maxPageSize:
		return 0, fault.InvalidField("page_size", "page_size")
	}
	return int(n), nil
}

var invalidPageSize500 = fault.InvalidField("page_size", "page_size").Text("error.page_size.page_size")
