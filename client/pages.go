package client

import (
	"context"
	"encoding/json"
	"iter"
)

// Page is one page of a list.
type Page[T any] struct {
	Items []T
	// Page is the number of this page (from 1); Pages how many there are
	// (at least 1, also for an empty list).
	Page  int
	Pages int
}

// HasNext reports whether a page follows this one.
func (p *Page[T]) HasNext() bool { return p.Page < p.Pages }

// listPage fetches one page of the list at path whose items are under key.
func listPage[T any](ctx context.Context, c *Client, cl call, key string) (*Page[T], error) {
	var raw map[string]json.RawMessage
	if err := c.do(ctx, cl, &raw); err != nil {
		return nil, err
	}
	p := &Page[T]{Items: []T{}}
	if err := json.Unmarshal(raw[key], &p.Items); err != nil && raw[key] != nil {
		return nil, err
	}
	var meta struct {
		Page  int `json:"page"`
		Pages int `json:"pages"`
	}
	if raw["meta"] != nil {
		if err := json.Unmarshal(raw["meta"], &meta); err != nil {
			return nil, err
		}
	}
	p.Page, p.Pages = max(meta.Page, 1), max(meta.Pages, 1)
	return p, nil
}

// all iterates over every item of every page from first on; fetch gets
// one page. An error ends the iteration after it is yielded.
func all[T any](first int, fetch func(page int) (*Page[T], error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for page := max(first, 1); ; page++ {
			p, err := fetch(page)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range p.Items {
				if !yield(it, nil) {
					return
				}
			}
			if !p.HasNext() || len(p.Items) == 0 {
				return
			}
		}
	}
}
