package messages_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"signet/internal/database"
	"signet/internal/migrate"
	"signet/notify/messages"
	"signet/notify/twiliotest"
	"signet/tenants"
)

// TestKilledAroundSend kills a real process that queued an invitation: right
// after the transaction committed (before any send), after it marked the
// message in flight but before calling Twilio, and after Twilio accepted
// it but before the outcome was recorded. After a restart the dispatcher
// runs again, and in every case Twilio ends up with exactly one copy: the
// first two are sent now, the last is found at Twilio and not sent again.
// "message.sent late" restarts after the message's expiry: the copy
// Twilio has still makes it sent (asking comes before the expiry and the
// caps, which the first attempt already passed).
func TestKilledAroundSend(t *testing.T) {
	if os.Getenv("SIGNET_CRASH_CHILD") != "" {
		crashChild(t)
		return
	}
	for _, name := range []string{"queued", "message.sending", "message.sent", "message.sent late"} {
		point, late := strings.CutSuffix(name, " late")
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			server := twiliotest.New(t, accountSID, authToken)
			cmd := exec.Command(os.Args[0], "-test.run=^TestKilledAroundSend$", "-test.count=1")
			cmd.Env = append(os.Environ(), "SIGNET_CRASH_CHILD="+point, "SIGNET_CRASH_DIR="+dir, "SIGNET_CRASH_TWILIO="+server.URL())
			out, err := cmd.CombinedOutput()
			ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
			if err == nil || !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("the child was not killed at %q: %v\n%s", point, err, out)
			}
			before := len(server.Messages())
			if want := map[string]int{"queued": 0, "message.sending": 0, "message.sent": 1}[point]; before != want {
				t.Fatalf("Twilio had %d messages when the child died, want %d", before, want)
			}

			// Restart: the same database, a new process's outbox, a clock past
			// the dead worker's lease.
			e := newEnvOn(t, openFile(t, dir), server)
			e.clock.advance(5 * time.Minute)
			if late {
				e.clock.advance(48 * time.Hour)
			}
			e.dispatch(t)
			e.dispatch(t)
			got := e.to(mobile)
			if len(got) != 1 {
				t.Fatalf("Twilio has %d copies after the restart, want exactly 1", len(got))
			}
			var rows []messages.Message
			e.db.DB.WithContext(tenants.Unscoped(context.Background())).Find(&rows)
			if len(rows) != 1 || rows[0].State != string(messages.StateSent) || rows[0].ProviderID != got[0].SID {
				t.Fatalf("rows after the restart: %+v", rows)
			}
		})
	}
}

// crashChild queues an invitation in a file database and dies by SIGKILL at
// the named point.
func crashChild(t *testing.T) {
	point, dir := os.Getenv("SIGNET_CRASH_CHILD"), os.Getenv("SIGNET_CRASH_DIR")
	e := newEnvURL(t, openFile(t, dir), os.Getenv("SIGNET_CRASH_TWILIO"))
	messages.SetCrashAt(func(p string) {
		if p == point {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
		}
	})
	e.enqueue(t, invitation(mobile))
	if point == "queued" {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
	}
	e.dispatch(t)
	t.Fatalf("the child reached the end without being killed at %q", point)
}

func openFile(t *testing.T, dir string) *database.DB {
	t.Helper()
	db, err := database.Open("sqlite://" + filepath.Join(dir, "signet.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Use(tenants.Plugin{}); err != nil {
		t.Fatal(err)
	}
	if _, err := migrate.Run(context.Background(), db, migrate.All); err != nil {
		t.Fatal(err)
	}
	return db
}
