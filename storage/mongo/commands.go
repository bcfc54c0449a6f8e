package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/makechat/makechat/storage"
)

// CreateCommand inserts c; the unique index on its name key refuses a
// taken name.
func (s *Store) CreateCommand(ctx context.Context, c storage.Command) error {
	return s.do(ctx, "create command", func(ctx context.Context) error {
		_, err := s.commands.InsertOne(ctx, newCommandDoc(c))
		return err
	})
}

// Commands lists the custom commands in name order.
func (s *Store) Commands(ctx context.Context) ([]storage.Command, error) {
	var out []storage.Command
	err := s.do(ctx, "list commands", func(ctx context.Context) error {
		docs, err := findAll[commandDoc](ctx, s.commands, bson.D{}, options.Find().SetSort(bson.D{{Key: "name_key", Value: 1}}))
		out = models(docs, commandDoc.model)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CommandByName finds a command by its folded name key.
func (s *Store) CommandByName(ctx context.Context, name string) (storage.Command, error) {
	var c storage.Command
	err := s.do(ctx, "get command by name", func(ctx context.Context) error {
		k, ok := lookupKey(name, true)
		if !ok {
			return storage.ErrNotFound
		}
		d, err := findOne[commandDoc](ctx, s.commands, bson.D{{Key: "name_key", Value: k}})
		c = d.model()
		return err
	})
	return c, err
}

// DeleteCommand removes a command.
func (s *Store) DeleteCommand(ctx context.Context, id storage.ID) error {
	return s.do(ctx, "delete command", func(ctx context.Context) error {
		res, err := s.commands.DeleteOne(ctx, byID(id))
		if err == nil && res.DeletedCount == 0 {
			return storage.ErrNotFound
		}
		return err
	})
}

type commandDoc struct {
	ID      bson.ObjectID `bson:"_id"`
	Name    string        `bson:"name"`
	URL     string        `bson:"url"`
	Help    string        `bson:"help,omitempty"`
	Token   string        `bson:"token"`
	Creator bson.ObjectID `bson:"creator"`
	Created time.Time     `bson:"created,omitempty"`
	NameKey string        `bson:"name_key"`
}

func newCommandDoc(c storage.Command) commandDoc {
	return commandDoc{ID: oid(c.ID), Name: storage.ValidUTF8(c.Name), URL: storage.ValidUTF8(c.URL), Help: storage.ValidUTF8(c.Help),
		Token: storage.ValidUTF8(c.Token), Creator: oid(c.Creator), Created: c.Created, NameKey: nameKey(c.Name, c.ID)}
}

func (d commandDoc) model() storage.Command {
	return storage.Command{ID: storage.ID(d.ID), Name: d.Name, URL: d.URL, Help: d.Help, Token: d.Token, Creator: storage.ID(d.Creator), Created: d.Created}
}
