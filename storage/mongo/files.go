package mongo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/makechat/makechat/storage"
)

// Blobs live in GridFS, in the bucket "blobs" (collections blobs.files
// and blobs.chunks), so that every makechat on one database sees them.
// A blob is uploaded under the file name "partial" while its SHA-256 is
// computed, then renamed to that hash, or dropped if a blob of that name
// exists already (whose upload date is then renewed, so that a sweep
// spares it until its new file is made). Two uploads of the same bytes
// at the same moment may both be renamed: the name then has two GridFS
// files of the same bytes, which readers do not mind, and the sweep
// removes both once no file uses them.

const (
	blobBucket  = "blobs"
	partialBlob = "partial"
)

func (s *Store) blobs() *mongo.GridFSBucket {
	return s.db.GridFSBucket(options.GridFSBucket().SetName(blobBucket))
}

// blobFileDoc is a document of blobs.files, as GridFS writes it.
type blobFileDoc struct {
	ID         any       `bson:"_id"`
	Length     int64     `bson:"length"`
	ChunkSize  int32     `bson:"chunkSize"`
	UploadDate time.Time `bson:"uploadDate"`
	Filename   string    `bson:"filename"`
}

// PutBlob streams r into GridFS while hashing it, then names the blob.
func (s *Store) PutBlob(ctx context.Context, r io.Reader, max int64) (b storage.Blob, err error) {
	err = s.do(ctx, "put blob", func(ctx context.Context) error {
		bucket := s.blobs()
		up, err := bucket.OpenUploadStream(ctx, partialBlob)
		if err != nil {
			return err
		}
		h := sha256.New()
		n, err := io.Copy(io.MultiWriter(up, h), io.LimitReader(r, max+1))
		if err == nil && n > max {
			err = fmt.Errorf("%w: more than %d bytes", storage.ErrTooLarge, max)
		}
		if err != nil {
			_ = up.Abort()
			return err
		}
		if err := up.Close(); err != nil {
			return err
		}
		b = storage.Blob{SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}
		named := bson.D{{Key: "filename", Value: b.SHA256}}
		res, err := bucket.GetFilesCollection().UpdateMany(ctx, named, bson.D{{Key: "$set", Value: bson.D{{Key: "uploadDate", Value: time.Now()}}}})
		if err != nil {
			return err
		}
		if res.MatchedCount > 0 {
			return bucket.Delete(ctx, up.FileID)
		}
		return bucket.Rename(ctx, up.FileID, b.SHA256)
	})
	return b, err
}

// OpenBlob finds the blob's GridFS file; reads go to its chunks.
func (s *Store) OpenBlob(ctx context.Context, sha string) (r storage.BlobReader, err error) {
	err = s.do(ctx, "open blob", func(ctx context.Context) error {
		if !storage.IsBlobName(sha) {
			return fmt.Errorf("%w blob %q", storage.ErrNotFound, sha)
		}
		bucket := s.blobs()
		d, err := findOne[blobFileDoc](ctx, bucket.GetFilesCollection(), bson.D{{Key: "filename", Value: sha}},
			options.FindOne().SetSort(bson.D{{Key: "uploadDate", Value: -1}}))
		if err != nil {
			return err
		}
		r = &chunkReader{ctx: ctx, chunks: bucket.GetChunksCollection(), id: d.ID, size: d.Length, chunkSize: int64(d.ChunkSize)}
		return nil
	})
	return r, err
}

// chunkReader reads a GridFS file chunk by chunk, fetching the chunk
// that holds its position, so that a seek (an HTTP range) costs nothing
// and a read past it one query per chunk.
type chunkReader struct {
	ctx       context.Context
	chunks    *mongo.Collection
	id        any
	size      int64
	chunkSize int64
	pos       int64
	n         int64 // the chunk held in data; -1 if none
	data      []byte
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if c.pos >= c.size {
		return 0, io.EOF
	}
	n := c.pos / c.chunkSize
	if c.data == nil || c.n != n {
		var chunk struct {
			Data []byte `bson:"data"`
		}
		err := c.chunks.FindOne(c.ctx, bson.D{{Key: "files_id", Value: c.id}, {Key: "n", Value: n}}).Decode(&chunk)
		if err != nil {
			return 0, fmt.Errorf("mongo: read blob chunk %d: %w", n, noDocument(err))
		}
		c.n, c.data = n, chunk.Data
	}
	off := c.pos - n*c.chunkSize
	if off >= int64(len(c.data)) {
		return 0, fmt.Errorf("mongo: read blob: chunk %d is shorter than its file says", n)
	}
	k := copy(p, c.data[off:])
	c.pos += int64(k)
	return k, nil
}

func (c *chunkReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		offset += c.pos
	case io.SeekEnd:
		offset += c.size
	}
	if offset < 0 {
		return c.pos, errors.New("mongo: seek before the start of a blob")
	}
	c.pos = offset
	return offset, nil
}

func (c *chunkReader) Close() error { c.data = nil; return nil }

// DeleteUnusedBlobs goes through the GridFS files stored before before
// and removes those whose name no file record uses (and the partial
// uploads an interruption left).
func (s *Store) DeleteUnusedBlobs(ctx context.Context, before time.Time) (removed int, err error) {
	err = s.do(ctx, "delete unused blobs", func(ctx context.Context) error {
		bucket := s.blobs()
		old, err := findAll[blobFileDoc](ctx, bucket.GetFilesCollection(), bson.D{{Key: "uploadDate", Value: bson.D{{Key: "$lt", Value: before}}}})
		if err != nil {
			return err
		}
		for _, d := range old {
			if d.Filename != partialBlob {
				used, err := s.files.CountDocuments(ctx, bson.D{{Key: "$or", Value: bson.A{
					bson.D{{Key: "sha256", Value: d.Filename}}, bson.D{{Key: "thumb", Value: d.Filename}},
				}}}, options.Count().SetLimit(1))
				if err != nil {
					return err
				}
				if used > 0 {
					continue
				}
				if used, err = s.users.CountDocuments(ctx, bson.D{{Key: "avatar", Value: d.Filename}}, options.Count().SetLimit(1)); err != nil {
					return err
				}
				if used > 0 {
					continue
				}
			}
			if err := bucket.Delete(ctx, d.ID); err != nil && !errors.Is(err, mongo.ErrFileNotFound) {
				return err
			}
			if d.Filename != partialBlob {
				removed++
			}
		}
		return nil
	})
	return removed, err
}

// CreateFile inserts f, carried by no message.
func (s *Store) CreateFile(ctx context.Context, f storage.File) error {
	f.Message, f.Room = storage.NilID, storage.NilID
	return s.do(ctx, "create file", func(ctx context.Context) error {
		_, err := s.files.InsertOne(ctx, newFileDoc(f))
		return err
	})
}

// File finds a file by id.
func (s *Store) File(ctx context.Context, id storage.ID) (f storage.File, err error) {
	err = s.do(ctx, "get file", func(ctx context.Context) error {
		d, err := findOne[fileDoc](ctx, s.files, byID(id))
		f = d.model()
		return err
	})
	return f, err
}

// UnattachedFiles finds files without a message whose ids are older than
// before.
func (s *Store) UnattachedFiles(ctx context.Context, before time.Time, limit int) (out []storage.File, err error) {
	err = s.do(ctx, "list unattached files", func(ctx context.Context) error {
		filter := bson.D{{Key: "message", Value: nil}, {Key: "_id", Value: bson.D{{Key: "$lt", Value: bson.NewObjectIDFromTimestamp(before)}}}}
		docs, err := findAll[fileDoc](ctx, s.files, filter, options.Find().SetSort(sortByID).SetLimit(int64(limit)))
		out = models(docs, fileDoc.model)
		return err
	})
	return out, err
}

// DeleteFile removes a file record (its blob is DeleteUnusedBlobs's).
func (s *Store) DeleteFile(ctx context.Context, id storage.ID) error {
	return s.do(ctx, "delete file", func(ctx context.Context) error {
		res, err := s.files.DeleteOne(ctx, byID(id))
		if err == nil && res.DeletedCount == 0 {
			return storage.ErrNotFound
		}
		return err
	})
}

// FilesSize sums the sizes of the owner's files.
func (s *Store) FilesSize(ctx context.Context, owner storage.ID) (total int64, err error) {
	err = s.do(ctx, "files size", func(ctx context.Context) error {
		docs, err := findAll[fileDoc](ctx, s.files, bson.D{{Key: "owner", Value: oid(owner)}}, options.Find().SetProjection(bson.D{{Key: "size", Value: 1}}))
		for _, d := range docs {
			total += d.Info.Size
		}
		return err
	})
	return total, err
}

// attachFiles marks m's files as carried by m, each only if it is the
// sender's and carried by no message; if one cannot be, those marked are
// unmarked and the file is not found. It gives m the stored description
// of each file.
func (s *Store) attachFiles(ctx context.Context, m *storage.Message) error {
	if len(m.Files) == 0 {
		return nil
	}
	infos := make([]storage.FileInfo, len(m.Files))
	for i, fi := range m.Files {
		filter := bson.D{{Key: "_id", Value: oid(fi.ID)}, {Key: "owner", Value: oid(m.Sender)}, {Key: "message", Value: nil}}
		set := bson.D{{Key: "message", Value: oid(m.ID)}}
		if !m.Room.IsZero() {
			set = append(set, bson.E{Key: "room", Value: oid(m.Room)})
		}
		var d fileDoc
		err := s.files.FindOneAndUpdate(ctx, filter, bson.D{{Key: "$set", Value: set}}, options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
		if err != nil {
			s.detachFiles(m.ID)
			if errors.Is(err, mongo.ErrNoDocuments) {
				return fmt.Errorf("%w file %s", storage.ErrNotFound, fi.ID)
			}
			return err
		}
		infos[i] = d.model().FileInfo
	}
	m.Files = infos
	return nil
}

// detachFiles undoes attachFiles for a message that was not stored.
func (s *Store) detachFiles(msg storage.ID) {
	ctx, cancel := cleanupContext()
	defer cancel()
	_, _ = s.files.UpdateMany(ctx, bson.D{{Key: "message", Value: oid(msg)}}, bson.D{{Key: "$unset", Value: bson.D{{Key: "message", Value: ""}, {Key: "room", Value: ""}}}})
}

// fileDoc is a files document.
type fileDoc struct {
	Info      fileInfoDoc   `bson:",inline"`
	Thumb     string        `bson:"thumb,omitempty"`
	ThumbType string        `bson:"thumb_type,omitempty"`
	Owner     bson.ObjectID `bson:"owner"`
	Created   time.Time     `bson:"created,omitempty"`
	Message   bson.ObjectID `bson:"message,omitempty"`
	Room      bson.ObjectID `bson:"room,omitempty"`
}

func newFileDoc(f storage.File) fileDoc {
	return fileDoc{
		Info: newFileInfoDoc(f.FileInfo), Thumb: f.Thumb, ThumbType: f.ThumbType,
		Owner: oid(f.Owner), Created: f.Created, Message: oid(f.Message), Room: oid(f.Room),
	}
}

func (d fileDoc) model() storage.File {
	return storage.File{
		FileInfo: d.Info.model(), Thumb: d.Thumb, ThumbType: d.ThumbType,
		Owner: storage.ID(d.Owner), Created: d.Created, Message: storage.ID(d.Message), Room: storage.ID(d.Room),
	}
}

// fileInfoDoc is what a message document keeps of each file it carries.
type fileInfoDoc struct {
	ID          bson.ObjectID `bson:"_id"`
	Name        string        `bson:"name"`
	Size        int64         `bson:"size"`
	ContentType string        `bson:"content_type"`
	SHA256      string        `bson:"sha256"`
	Width       int           `bson:"width,omitempty"`
	Height      int           `bson:"height,omitempty"`
	ThumbWidth  int           `bson:"thumb_width,omitempty"`
	ThumbHeight int           `bson:"thumb_height,omitempty"`
}

func newFileInfoDoc(f storage.FileInfo) fileInfoDoc {
	return fileInfoDoc{ID: oid(f.ID), Name: storage.ValidUTF8(f.Name), Size: f.Size, ContentType: f.ContentType, SHA256: f.SHA256,
		Width: f.Width, Height: f.Height, ThumbWidth: f.ThumbWidth, ThumbHeight: f.ThumbHeight}
}

func (d fileInfoDoc) model() storage.FileInfo {
	return storage.FileInfo{ID: storage.ID(d.ID), Name: d.Name, Size: d.Size, ContentType: d.ContentType, SHA256: d.SHA256,
		Width: d.Width, Height: d.Height, ThumbWidth: d.ThumbWidth, ThumbHeight: d.ThumbHeight}
}
