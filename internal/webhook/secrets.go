package webhook

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Keyring encrypts webhook secrets for storage with AES-256-GCM. Secrets
// must stay usable for signing, so they cannot be hashed like API tokens;
// encrypting them keeps a copy of the database alone from revealing them.
// Each sealed secret is bound to its account (the additional data), so it
// cannot be moved to another account's row.
type Keyring struct {
	aead cipher.AEAD
	id   string
}

// sealedPrefix starts every sealed secret: format version and key id.
const sealedPrefix = "v1:"

// NewKeyring returns a Keyring on a 32-byte key.
func NewKeyring(key []byte) (*Keyring, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("secret key: want 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(append([]byte("openbell key id\x00"), key...))
	return &Keyring{aead: aead, id: hex.EncodeToString(sum[:4])}, nil
}

// DeriveKey turns an operator's --secret-key value into a 32-byte key. Use a
// random value (`openssl rand -base64 32`): the key is only as strong as it.
func DeriveKey(value string) []byte {
	sum := sha256.Sum256([]byte("openbell webhook secret key\x00" + value))
	return sum[:]
}

// NewKeyText returns a new random key in the text form key files and the
// database hold (base64 of 32 bytes).
func NewKeyText() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(b[:])
}

// ParseKeyText reads the text form of NewKeyText.
func ParseKeyText(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(b) != 32 {
		return nil, errors.New("secret key: not the base64 of 32 bytes")
	}
	return b, nil
}

// LoadKeyFile reads the key file at path, creating it (mode 0600) with a new
// random key when it does not exist.
func LoadKeyFile(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		_, werr := f.WriteString(NewKeyText() + "\n")
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			os.Remove(path)
			return nil, werr
		}
	} else if !errors.Is(err, os.ErrExist) {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	key, err := ParseKeyText(string(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return key, nil
}

// Seal encrypts the secret of an account's webhook.
func (k *Keyring) Seal(accountID, secret string) (string, error) {
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(secret)+k.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	sealed := k.aead.Seal(nonce, nonce, []byte(secret), []byte(accountID))
	return sealedPrefix + k.id + ":" + base64.RawURLEncoding.EncodeToString(sealed), nil
}

// ErrWrongKey is returned by Open for a secret sealed with another key
// (the server's --secret-key changed).
var ErrWrongKey = errors.New("webhook secret was encrypted with another server key")

// Open decrypts what Seal returned for the same account.
func (k *Keyring) Open(accountID, sealed string) (string, error) {
	rest, ok := strings.CutPrefix(sealed, sealedPrefix)
	if !ok {
		return "", errors.New("webhook secret: unknown storage format")
	}
	id, data, ok := strings.Cut(rest, ":")
	if !ok {
		return "", errors.New("webhook secret: unknown storage format")
	}
	if id != k.id {
		return "", ErrWrongKey
	}
	raw, err := base64.RawURLEncoding.DecodeString(data)
	if err != nil || len(raw) < k.aead.NonceSize() {
		return "", errors.New("webhook secret: corrupt")
	}
	plain, err := k.aead.Open(nil, raw[:k.aead.NonceSize()], raw[k.aead.NonceSize():], []byte(accountID))
	if err != nil {
		return "", errors.New("webhook secret: does not decrypt (corrupt, or sealed for another account)")
	}
	return string(plain), nil
}
