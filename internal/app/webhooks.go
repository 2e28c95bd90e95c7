package app

import (
	"context"
	"log/slog"
	"path/filepath"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/metrics"
	"github.com/openbell/openbell/internal/store"
	"github.com/openbell/openbell/internal/webhook"
)

// KeyFileName is the webhook secret key file in the data directory (SQLite
// without --secret-key).
const KeyFileName = "webhook-secret.key"

// serverKeyName names the webhook secret key in the database (PostgreSQL
// without --secret-key).
const serverKeyName = "webhook-secrets"

// webhookKeyring returns the keyring of webhook secrets: --secret-key when
// given; otherwise a key file next to the SQLite database, or, on
// PostgreSQL, a key that the first process stores in the database for every
// process that shares it.
func webhookKeyring(ctx context.Context, cfg Config, st store.Store, clock ob.Clock, log *slog.Logger) (*webhook.Keyring, error) {
	switch {
	case cfg.SecretKey != "":
		return webhook.NewKeyring(webhook.DeriveKey(cfg.SecretKey))
	case cfg.DatabaseURL == "":
		key, err := webhook.LoadKeyFile(filepath.Join(cfg.DataDir, KeyFileName))
		if err != nil {
			return nil, err
		}
		return webhook.NewKeyring(key)
	}
	var text string
	err := st.Write(ctx, func(tx store.Tx) error {
		if err := tx.InsertServerKey(serverKeyName, webhook.NewKeyText(), clock.Now()); err != nil {
			return err
		}
		var err error
		text, err = tx.ServerKey(serverKeyName)
		return err
	})
	if err != nil {
		return nil, err
	}
	key, err := webhook.ParseKeyText(text)
	if err != nil {
		return nil, err
	}
	log.Warn("webhook secrets are encrypted with a key kept in the same database; set --secret-key (OPENBELL_SECRET_KEY) on every process to keep a copy of the database from revealing them")
	return webhook.NewKeyring(key)
}

// newWebhookWorker returns the delivery worker of the configuration.
func newWebhookWorker(cfg Config, st store.Store, keys *webhook.Keyring, clock ob.Clock, log *slog.Logger, m *metrics.Metrics) *webhook.Worker {
	return webhook.New(st, keys, clock, webhook.Config{
		Schedule:           cfg.WebhookRetrySchedule,
		Timeout:            cfg.WebhookTimeout,
		DisableAfter:       cfg.WebhookDisableAfter,
		DenyPrivate:        cfg.WebhookDenyPrivate,
		Concurrency:        cfg.WebhookConcurrency,
		AccountConcurrency: cfg.WebhookAccountConcurrency,
		// Only one process uses a SQLite database: leases left at start are
		// a crashed predecessor's.
		ReleaseAtStart: cfg.DatabaseURL == "",
		UserAgent:      "openbell-webhooks/" + Version,
		Metrics:        m,
	}, log)
}
