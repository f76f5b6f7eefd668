// Package deploy holds the files that install Varco — the systemd units
// (systemd/), the container images (Dockerfile, Dockerfile.scanner) and
// the Compose file (compose.yaml: server, PostgreSQL, mail catcher) — and
// the tests that check them as far as this machine can: the units with
// systemd-analyze verify against binaries built with the documented flags,
// the images' build commands run without Docker, the Compose file read
// against the server's real configuration (docs/deploy.md).
package deploy
