package migrate

import "signet/pki"

// All is Signet's schema history. Append only: never edit or reorder a
// migration that has shipped.
var All = []Migration{
	{Version: 1, Name: "foundation", Up: v0001Foundation},
	{Version: 2, Name: "events", Up: v0002Events},
	{Version: 3, Name: "pki", Up: pki.Migrate0001},
	{Version: 4, Name: "identity", Up: v0004Identity},
	{Version: 5, Name: "event anchors", Up: v0005Anchors},
	{Version: 6, Name: "seals", Up: v0006Seals},
	{Version: 7, Name: "webhooks", Up: v0007Webhooks},
	{Version: 8, Name: "contracts", Up: v0008Contracts},
	{Version: 9, Name: "evidence exports", Up: v0009EvidenceExports},
	{Version: 10, Name: "messages", Up: v0010Messages},
	{Version: 11, Name: "evidence export lease", Up: v0011EvidenceExportLease},
	{Version: 12, Name: "sessions and login throttles", Up: v0012SessionsLoginThrottles},
	{Version: 13, Name: "stamp batch lease", Up: v0013StampBatchLease},
	{Version: 14, Name: "rate limits", Up: v0014RateLimits},
	{Version: 15, Name: "document archive", Up: v0015DocumentArchive},
	{Version: 16, Name: "document format", Up: v0016DocumentFormat},
}
