package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/client"
	"github.com/openbell/openbell/internal/app"
)

// startOpenbell runs an openbell with the demo workspace on a temporary
// SQLite database, as `openbell serve --api-key test_gshuPaZoeEG6ovbc8M79w0QyM`
// would, and returns its base URL (with /v1) and the function that stops it.
func startOpenbell() (baseURL, token string, stop func()) {
	dir, err := os.MkdirTemp("", "openbell-example")
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	token = "test_gshuPaZoeEG6ovbc8M79w0QyM"
	a, err := app.Start(ctx, app.Config{Addr: "127.0.0.1:0", DataDir: dir, APIKeys: []string{token}, LogLevel: "error",
		ShutdownTimeout: 5 * time.Second, WindowRule: true, WebhookTimeout: 5 * time.Second}, ob.SystemClock{}, io.Discard, io.Discard)
	if err != nil {
		log.Fatal(err)
	}
	return a.URL + "/v1", token, func() {
		cancel()
		_ = a.Wait()
		os.RemoveAll(dir)
	}
}

// A first program: the same code runs against Callbell with
// client.CallbellBaseURL and a Callbell token.
func Example() {
	baseURL, token, stop := startOpenbell() // or client.CallbellBaseURL and your token
	defer stop()

	c := client.New(baseURL, token)
	ctx := context.Background()

	john, err := c.Contact(ctx, "414a6d692bd645ed803f2e7ce360d4c8")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(john.Name, *john.PhoneNumber, john.Tags)

	closed, err := c.CloseConversation(ctx, john.UUID, "resolved")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("closed:", closed.ClosedAt != nil)
	// Output:
	// John Doe +31 6 12345678 [sales lead]
	// closed: true
}

// Sending a message: a customer writes first (in openbell's sandbox), which
// opens WhatsApp's 24-hour window for a free-form answer.
func ExampleClient_SendMessage() {
	baseURL, token, stop := startOpenbell()
	defer stop()
	c := client.New(baseURL, token)
	ctx := context.Background()

	if _, _, err := c.Sandbox().Inbound(ctx, client.InboundMessage{From: "+44 7700 900123", Text: "Is my order on its way?"}); err != nil {
		log.Fatal(err)
	}
	sent, err := c.SendMessage(ctx, client.OutboundMessage{
		To: "+44 7700 900123", From: client.WhatsApp, Text: "Yes, it ships today.",
		Metadata: map[string]string{"order": "1042"},
	})
	if err != nil {
		log.Fatal(err)
	}
	status, err := c.MessageStatus(ctx, sent.UUID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sent.Status, status.Status)
	// Output: enqueued enqueued
}

// Lists come as one page (ListContacts) or as an iterator over every page
// (Contacts).
func ExampleClient_Contacts() {
	baseURL, token, stop := startOpenbell()
	defer stop()
	c := client.New(baseURL, token)

	n := 0
	for contact, err := range c.Contacts(context.Background(), client.ContactFilter{Tags: []string{"sales"}}) {
		if err != nil {
			log.Fatal(err)
		}
		n++
		_ = contact
	}
	fmt.Println(n, "contacts tagged sales")
	// Output: 2 contacts tagged sales
}

// Errors of the API are *client.Error values; errors.Is tells their kind.
func ExampleError() {
	baseURL, token, stop := startOpenbell()
	defer stop()
	c := client.New(baseURL, token)
	ctx := context.Background()

	_, err := c.CreateContact(ctx, client.NewContact{Identifier: "+31 6 12345678", Source: client.WhatsApp, Name: "John again"})
	var apiErr *client.Error
	if errors.Is(err, client.ErrConflict) && errors.As(err, &apiErr) {
		fmt.Println("already there:", apiErr.UUID)
	}
	_, err = c.CreateContact(ctx, client.NewContact{Identifier: "+31 6 99999999", Source: client.WhatsApp, Name: "Ann", Tags: []string{"VIP"}})
	if errors.Is(err, client.ErrValidation) && errors.As(err, &apiErr) {
		fmt.Println(apiErr.Fields["tags"])
	}
	// Output:
	// already there: 414a6d692bd645ed803f2e7ce360d4c8
	// [unknown tag: VIP]
}

// A webhook receiver verifies each delivery with the secret that Subscribe
// answered and switches on the event's type.
func ExampleParseWebhookRequest() {
	baseURL, token, stop := startOpenbell()
	defer stop()
	c := client.New(baseURL, token)
	ctx := context.Background()

	var secret string
	closed := make(chan string, 1)
	receiver := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, err := client.ParseWebhookRequest(r, secret)
		if err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		switch e := d.Event.(type) {
		case *client.ConversationClosed:
			closed <- e.Contact.Name + ": " + *e.ClosingReason
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	wh, err := c.Subscribe(ctx, "http://"+receiver.Listener.Addr().String(), client.EventConversationClosed)
	if err != nil {
		log.Fatal(err)
	}
	secret = wh.Secret
	receiver.Start()
	defer receiver.Close()
	if _, err := c.CloseConversation(ctx, "ff8bec9363bc4c29b8b044eabf2afebd", "sold"); err != nil {
		log.Fatal(err)
	}
	fmt.Println(<-closed)
	// Output: Mario Rossi: sold
}
