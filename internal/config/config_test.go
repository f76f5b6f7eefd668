package config

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestLoad(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		check   func(t *testing.T, c Config)
		wantErr string
	}{
		{
			name: "defaults",
			check: func(t *testing.T, c Config) {
				if c.Addr != DefaultAddr || c.DB != DefaultDB || c.Demo || c.WriteTimeout != DefaultWriteTimeout {
					t.Fatalf("unexpected defaults: %+v", c)
				}
			},
		},
		{
			name: "environment fills what flags do not say",
			args: []string{"--addr", "127.0.0.1:9999"},
			env:  map[string]string{"VARCO_ADDR": "0.0.0.0:1", "VARCO_DEMO": "true", "VARCO_CORS_ORIGINS": "https://a.example, https://b.example", "VARCO_WRITE_TIMEOUT": "7s"},
			check: func(t *testing.T, c Config) {
				if c.Addr != "127.0.0.1:9999" {
					t.Errorf("flag must win over env, got %q", c.Addr)
				}
				if !c.Demo || c.WriteTimeout != 7*time.Second {
					t.Errorf("env not applied: %+v", c)
				}
				if len(c.CORSOrigins) != 2 || c.CORSOrigins[1] != "https://b.example" {
					t.Errorf("cors origins: %q", c.CORSOrigins)
				}
			},
		},
		{name: "bad log format", args: []string{"--log-format", "xml"}, wantErr: "log-format"},
		{name: "bad env duration", env: map[string]string{"VARCO_READ_TIMEOUT": "soon"}, wantErr: "VARCO_READ_TIMEOUT"},
		{name: "tiny request limit", args: []string{"--max-request-bytes", "10"}, wantErr: "max-request-bytes"},
		{name: "stray argument", args: []string{"serve"}, wantErr: "unexpected arguments"},
		{name: "bad base url", args: []string{"--public-base-url", "example.org"}, wantErr: "public-base-url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := Load(tt.args, func(k string) string { return tt.env[k] }, io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("want error containing %q, got %v", tt.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestFlagsDocumentEveryEnvVar(t *testing.T) {
	t.Parallel()
	for _, f := range Flags() {
		if !strings.HasPrefix(f.Env, "VARCO_") || f.Usage == "" {
			t.Errorf("flag %q is undocumented or has env %q", f.Name, f.Env)
		}
	}
}

func TestAppIOKeysFromEnvironmentOnly(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env     string
		want    map[string]string
		wantErr string
	}{
		{env: "", want: map[string]string{}},
		{env: "org-a=key1, org-b = key2 ,", want: map[string]string{"org-a": "key1", "org-b": "key2"}},
		{env: "org-a", wantErr: "entry 1 must be"},
		{env: "org-a=k1,=k2", wantErr: "entry 2 must be"},
		{env: "org-a=secret1,org-a=secret2", wantErr: "listed twice"},
	} {
		c, err := Load([]string{"--db", "x.db"}, func(k string) string {
			if k == "VARCO_APP_IO_KEYS" {
				return tc.env
			}
			return ""
		}, io.Discard)
		if tc.wantErr != "" {
			require.ErrorContains(t, err, tc.wantErr, tc.env)
			require.NotContains(t, err.Error(), "secret", "a key is never quoted")
			continue
		}
		require.NoError(t, err, tc.env)
		require.Equal(t, tc.want, c.AppIOKeys)
	}
}
