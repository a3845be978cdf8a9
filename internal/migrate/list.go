package migrate

// All is Signet's schema history. Append only: never edit or reorder a
// migration that has shipped.
var All = []Migration{
	{Version: 1, Name: "foundation", Up: v0001Foundation},
}
