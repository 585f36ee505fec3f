// The Arrow C Data Interface checks (src/arrow_read.hpp) that the Python readers run on every
// array before reading it (python/src/bind_arrow.cpp, bind_text.cpp).
//
// The input describes an array: format, length, offset, null count, how many buffers are
// declared against how many the format needs, which buffers are NULL, offsets (as signed
// steps, so they can start below 0 or decrease), string views (lengths, buffer indices, starts),
// a dictionary, struct children (nested up to 4 levels, children shorter or longer than the
// parent, schema and array children counts that differ). Every buffer is allocated with
// exactly the size the specification implies for the declared geometry (offsets: up to the
// largest offset; views: the sizes written in the last buffer), so that ASan reports a read
// the checks should have prevented.
// Oracles: only servscore::error escapes `check_array`; when it accepts, every value the readers
// read (validity bits, fixed-width values, strings, dictionary indices, children over the
// parent's slice) is read here the same way, in bounds.
#include <memory>
#include <vector>

#include "arrow_read.hpp"
#include "fuzz_target.hpp"

namespace {

using servscore::arrow::check_array;

class Input {
 public:
  Input(const std::uint8_t* d, std::size_t n) : d_(d), n_(n) {}
  std::uint8_t byte() { return i_ < n_ ? d_[i_++] : 0; }
  std::int8_t sbyte() { return static_cast<std::int8_t>(byte()); }
  std::int32_t i32() {
    std::uint32_t v = 0;
    for (int k = 0; k < 4; ++k) v |= static_cast<std::uint32_t>(byte()) << (8 * k);
    return static_cast<std::int32_t>(v);
  }

 private:
  const std::uint8_t* d_;
  std::size_t n_;
  std::size_t i_ = 0;
};

const char* const formats[] = {"u",   "U",      "vu", "c",  "C",  "s",       "S",   "i",       "I",
                               "l",   "L",      "f",  "g",  "b",  "tdD",     "tdm", "tsu:UTC", "tDs",
                               "tts", "d:10,2", "n",  "+s", "+l", "+ud:0,1", "z",   "e",       "+r"};
constexpr int n_formats = sizeof(formats) / sizeof(formats[0]);

// One array and its schema with the storage they point to (kept alive by the node).
struct Node {
  ArrowSchema schema{};
  ArrowArray array{};
  std::string format, name;
  std::vector<std::unique_ptr<std::uint8_t[]>> storage;  // exact sizes (0 too), so ASan sees any overread
  std::vector<const void*> buffers;
  std::vector<std::unique_ptr<Node>> children;
  std::vector<ArrowSchema*> schema_children;
  std::vector<ArrowArray*> array_children;
  std::unique_ptr<Node> dictionary;

  const void* add_buffer(const std::vector<std::uint8_t>& bytes) {
    storage.emplace_back(new std::uint8_t[bytes.size()]);
    if (!bytes.empty()) std::memcpy(storage.back().get(), bytes.data(), bytes.size());
    return storage.back().get();
  }
};

std::vector<std::uint8_t> bytes_from(Input& in, std::size_t size) {
  std::vector<std::uint8_t> b(size);
  for (auto& x : b) x = in.byte();
  return b;
}

template <class Offset>
std::vector<std::uint8_t> offsets_from(Input& in, std::int64_t count, std::int64_t& largest) {
  std::vector<Offset> off(static_cast<std::size_t>(count));
  Offset v = in.sbyte() / 16;  // mostly 0, sometimes negative
  largest = 0;
  for (auto& o : off) {
    o = v;
    largest = std::max<std::int64_t>(largest, v);
    v = static_cast<Offset>(v + in.sbyte() / 8);  // steps of -16 .. 15: may decrease
  }
  std::vector<std::uint8_t> b(off.size() * sizeof(Offset));
  if (!b.empty()) std::memcpy(b.data(), off.data(), b.size());
  return b;
}

std::unique_ptr<Node> make(Input& in, int depth, bool text_only = false) {
  auto node = std::make_unique<Node>();
  const int pick = in.byte() % n_formats;
  node->format = text_only ? (pick % 3 == 0 ? "u" : pick % 3 == 1 ? "U" : "vu") : formats[pick];
  const std::string& f = node->format;
  ArrowArray& a = node->array;
  a.length = in.byte() % 48;
  a.offset = in.byte() % 8;
  a.null_count = static_cast<std::int64_t>(in.sbyte()) % 8;  // -7 .. 7 (-1 is "unknown")
  const std::uint8_t null_mask = in.byte();                  // which buffers are NULL
  const int buffer_delta = in.byte() % 8 == 0 ? static_cast<int>(in.byte() % 4) - 2 : 0;
  const std::int64_t end = a.offset + a.length;
  // the buffers the format needs, each sized as the specification implies
  std::vector<const void*> bufs;
  auto bitmap = [&] { bufs.push_back(node->add_buffer(bytes_from(in, static_cast<std::size_t>((end + 7) / 8)))); };
  if (f == "u" || f == "z" || f == "U") {
    bitmap();
    std::int64_t largest = 0;
    bufs.push_back(node->add_buffer(f == "U" ? offsets_from<std::int64_t>(in, end + 1, largest)
                                             : offsets_from<std::int32_t>(in, end + 1, largest)));
    bufs.push_back(node->add_buffer(bytes_from(in, static_cast<std::size_t>(largest))));
  } else if (f == "vu") {
    bitmap();
    const int n_data = in.byte() % 3;
    std::vector<std::int64_t> sizes;
    std::vector<std::uint8_t> views(static_cast<std::size_t>(16 * end));
    for (std::int64_t i = 0; i < end; ++i) {
      std::uint8_t* v = views.data() + 16 * i;
      const std::int32_t len = in.byte() % 4 == 0 ? in.i32() % 64 : in.byte() % 24;
      std::memcpy(v, &len, 4);
      for (int k = 4; k < 16; ++k) v[k] = in.byte();
      if (len > 12) {
        std::int32_t buf = in.sbyte() % 4, start = in.sbyte() % 32;
        std::memcpy(v + 8, &buf, 4);
        std::memcpy(v + 12, &start, 4);
      }
    }
    bufs.push_back(node->add_buffer(views));
    for (int k = 0; k < n_data; ++k) {
      const std::size_t size = in.byte() % 64;
      sizes.push_back(static_cast<std::int64_t>(size));
      bufs.push_back(node->add_buffer(bytes_from(in, size)));
    }
    std::vector<std::uint8_t> sb(sizes.size() * 8);
    if (!sb.empty()) std::memcpy(sb.data(), sizes.data(), sb.size());
    bufs.push_back(node->add_buffer(sb));
  } else if (f == "b") {
    bitmap();
    bufs.push_back(node->add_buffer(bytes_from(in, static_cast<std::size_t>((end + 7) / 8))));
  } else if (const int w = servscore::arrow::fixed_width(f); w > 0) {
    bitmap();
    bufs.push_back(node->add_buffer(bytes_from(in, static_cast<std::size_t>(end * w))));
  } else if (f == "+s" || f == "+l") {
    bitmap();
    if (f == "+l") {
      std::int64_t largest = 0;
      bufs.push_back(node->add_buffer(offsets_from<std::int32_t>(in, end + 1, largest)));
    }
  } else if (f == "+ud:0,1") {
    bufs.push_back(node->add_buffer(bytes_from(in, static_cast<std::size_t>(end))));
    bufs.push_back(node->add_buffer(bytes_from(in, static_cast<std::size_t>(4 * end))));
  }  // "n" and "+r": no buffers
  for (std::size_t k = 0; k < bufs.size() && k < 8; ++k)
    if (null_mask >> k & 1) bufs[k] = nullptr;
  std::int64_t declared = std::max<std::int64_t>(0, static_cast<std::int64_t>(bufs.size()) + buffer_delta);
  // a string view array's last declared buffer is by definition its sizes buffer: fewer than 3 only
  if (f == "vu" && declared >= 3) declared = static_cast<std::int64_t>(bufs.size());
  bufs.resize(static_cast<std::size_t>(std::min<std::int64_t>(declared, static_cast<std::int64_t>(bufs.size()))));
  node->buffers = std::move(bufs);
  a.n_buffers = declared > static_cast<std::int64_t>(node->buffers.size())
                    ? static_cast<std::int64_t>(node->buffers.size())  // never more than exist
                    : declared;
  a.buffers = node->buffers.empty() ? nullptr : node->buffers.data();
  // children of nested formats; a dictionary of strings for integer indices
  if ((f == "+s" || f == "+l" || f == "+ud:0,1" || f == "+r") && depth < 4) {
    const int n = in.byte() % 4;
    for (int c = 0; c < n; ++c) node->children.push_back(make(in, depth + 1));
  }
  if (!text_only && depth < 4 && in.byte() % 5 == 0) node->dictionary = make(in, depth + 1, true);
  for (auto& c : node->children) {
    node->schema_children.push_back(&c->schema);
    node->array_children.push_back(&c->array);
  }
  const int child_delta = in.byte() % 16 == 0 ? 1 : 0;
  node->name = "c" + std::to_string(depth);
  ArrowSchema& s = node->schema;
  s.format = node->format.c_str();
  s.name = in.byte() % 4 == 0 ? nullptr : node->name.c_str();
  s.n_children = static_cast<std::int64_t>(node->children.size());
  s.children = node->schema_children.empty() ? nullptr : node->schema_children.data();
  a.n_children = std::max<std::int64_t>(0, s.n_children - child_delta);
  a.children = node->array_children.empty() ? nullptr : node->array_children.data();
  if (node->dictionary) {
    s.dictionary = &node->dictionary->schema;
    if (in.byte() % 8 != 0) a.dictionary = &node->dictionary->array;
  }
  return node;
}

std::uint64_t sink = 0;

// Every read the readers make, over the accepted array.
void read_all(const ArrowSchema* s, const ArrowArray* a) {
  namespace ar = servscore::arrow;
  const std::string f = s->format;
  for (std::int64_t i = 0; i < a->length; ++i) sink += ar::is_valid(a, i);
  if (s->dictionary != nullptr) {
    read_all(s->dictionary, a->dictionary);
    for (std::int64_t i = 0; i < a->length; ++i)
      if (ar::is_valid(a, i)) sink += static_cast<std::uint64_t>(ar::index_at(s, a, i));
    return;
  }
  if (ar::is_text_format(f)) {
    for (std::int64_t i = 0; i < a->length; ++i) {
      std::string_view t;
      if (ar::text_at(s, a, i, t))
        for (char ch : t) sink += static_cast<unsigned char>(ch);
    }
  } else if (f == "b") {
    const auto* bits = static_cast<const std::uint8_t*>(a->buffers[1]);
    for (std::int64_t i = 0; i < a->length; ++i) sink += (bits[(a->offset + i) >> 3] >> ((a->offset + i) & 7)) & 1;
  } else if (const int w = ar::fixed_width(f); w > 0) {
    const auto* data = static_cast<const std::uint8_t*>(a->buffers[1]);
    for (std::int64_t i = 0; i < a->length; ++i) sink += data[w * (a->offset + i) + w - 1];
  }
  if (f == "+s")
    for (std::int64_t c = 0; c < a->n_children; ++c) {
      ArrowArray child = *a->children[c];  // the reader's shallow slice of a sliced batch
      child.offset += a->offset;
      child.length = a->length;
      read_all(s->children[c], &child);
    }
}

}  // namespace

SERVSCORE_FUZZ_TARGET(arrow) {
  Input in(data, size);
  auto root = make(in, 0);
  bool accepted = false;
  servscore::fuzz::only_servscore_errors([&] {
    check_array(&root->schema, &root->array, "fuzz");
    accepted = true;
  });
  if (accepted) read_all(&root->schema, &root->array);
  return 0;
}
