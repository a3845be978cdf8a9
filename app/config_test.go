package app

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestLoadConfig(t *testing.T) {
	t.Run("EmbeddedDefault", func(t *testing.T) {
		c, err := LoadConfig(nil, func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		if c.Addr != ":8080" || c.DBDSN != "sqlite://data/signet.db" || c.Vault != "local" || c.VaultDir != "data/vault" ||
			c.SMSSender != "console" || c.MasterKeyFile != "data/master.key" || c.AccessTokenTTL != 15*time.Minute {
			t.Fatalf("default config = %+v", c)
		}
	})
	t.Run("FlagOverridesEnv", func(t *testing.T) {
		env := map[string]string{"SIGNET_ADDR": ":9000", "SIGNET_VAULT": "local"}
		c, err := LoadConfig([]string{"-addr", ":9100"}, func(k string) string { return env[k] })
		if err != nil || c.Addr != ":9100" {
			t.Fatalf("addr = %q, %v", c.Addr, err)
		}
	})
	t.Run("Rejects", func(t *testing.T) {
		for name, env := range map[string]map[string]string{
			"LongAccessTTL": {"SIGNET_ACCESS_TOKEN_TTL": "1h"},
			"BadVault":      {"SIGNET_VAULT": "s3"},
			"MinIOWithout":  {"SIGNET_VAULT": "minio"},
			"BadRetention":  {"SIGNET_VAULT_RETENTION_MODE": "forever"},
			"BadBodyLimit":  {"SIGNET_BODY_LIMIT_MB": "0"},
		} {
			t.Run(name, func(t *testing.T) {
				if _, err := LoadConfig(nil, func(k string) string { return env[k] }); err == nil {
					t.Fatal("accepted")
				}
			})
		}
	})
	t.Run("SecretsMasked", func(t *testing.T) {
		env := map[string]string{"SIGNET_DB_DSN": "mysql://root:hunter2@tcp(db:3306)/signet", "SIGNET_MASTER_KEY": "k1:c2VjcmV0"}
		c, err := LoadConfig(nil, func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		s := c.LogValue().String()
		if strings.Contains(s, "hunter2") || strings.Contains(s, "c2VjcmV0") {
			t.Fatalf("secret in log value: %s", s)
		}
	})
}

// TestREADMEDocumentsConfig keeps the README's configuration table true.
func TestREADMEDocumentsConfig(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, s := range settings {
		row := "| `" + s.env + "` | `-" + s.flag + "` |"
		if !strings.Contains(readme, row) {
			t.Errorf("README.md lacks the row for %s (expected it to start with %q)", s.env, row)
		}
	}
}
