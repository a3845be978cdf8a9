// Package frontend holds Signet's web app: a Vue 3 + TypeScript project
// built by Vite into dist/, which the signet binary embeds and serves.
//
// The build tag webui selects the real build (embed.go); without it
// (stub.go) the app is empty, so `go build` and the Go-only tests need no
// Node. `make run`, `make build` and `make test` build it for real.
package frontend
