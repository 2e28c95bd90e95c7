package inbox

import (
	"context"

	ob "github.com/openbell/openbell"
)

type actorKey struct{}

// AsUser returns a context whose operations are done as the user userID:
// the web inbox passes its signed-in user, so that the replies and notes
// written there name their author. Without it an operation acts as the API
// token, which acts as the account's first admin (its messages name no
// author).
func AsUser(ctx context.Context, userID ob.ID) context.Context {
	return context.WithValue(ctx, actorKey{}, userID)
}

// actor is the user AsUser named, "" for the API token.
func actor(ctx context.Context) ob.ID {
	id, _ := ctx.Value(actorKey{}).(ob.ID)
	return id
}
