#include "json_util.hpp"

#include <charconv>
#include <cstdio>
#include <unordered_set>

// Boost.JSON in header-only mode: compiled once here, so neither users of the
// library nor its CMake package need the Boost.JSON binary.
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/src.hpp>

namespace servscore::detail {

std::string format_number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", x);
  return buf;
}

std::string format_json(const json::value& v) {
  if (v.is_double()) return format_number(v.get_double());
  return json::serialize(v);
}

namespace {

// The handler of json::parse (boost/json/detail/handler.hpp) with two changes Boost.JSON 1.81
// cannot be asked for: a key seen twice in one object stops the parse (json::parse keeps the
// last silently), and numbers with a fraction or an exponent are converted by std::from_chars,
// which is correctly rounded (1.81's own conversion is not: about 6% of random doubles written
// by json::serialize came back one ulp off).
struct StrictHandler {
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  struct Frame {
    bool object = false;
    std::size_t count = 0;  // arrays: elements completed so far (the index of the current one)
    std::string key;        // objects: the current key
    std::unordered_set<std::string> keys;
  };

  json::value_stack st;
  std::vector<Frame> frames;
  std::string key_buf, num_buf;
  bool has_duplicate = false;  // a duplicate key stopped the parse: which, and in which object
  std::string duplicate, duplicate_in;

  void value_done() {
    if (!frames.empty() && !frames.back().object) ++frames.back().count;
  }
  // Where the innermost object is, as the readers name paths: "indicators[1]", "" for the top.
  std::string path() const {
    std::string p;
    for (std::size_t i = 0; i + 1 < frames.size(); ++i) {
      if (frames[i].object)
        p += (p.empty() ? "" : ".") + frames[i].key;
      else
        p += "[" + std::to_string(frames[i].count) + "]";
    }
    return p;
  }
  static void fail(boost::system::error_code& ec) { ec = json::error::syntax; }

  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }
  bool on_object_begin(boost::system::error_code&) {
    frames.emplace_back();
    frames.back().object = true;
    return true;
  }
  bool on_object_end(std::size_t n, boost::system::error_code&) {
    st.push_object(n);
    frames.pop_back();
    value_done();
    return true;
  }
  bool on_array_begin(boost::system::error_code&) {
    frames.emplace_back();
    return true;
  }
  bool on_array_end(std::size_t n, boost::system::error_code&) {
    st.push_array(n);
    frames.pop_back();
    value_done();
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, boost::system::error_code&) {
    st.push_chars(s);
    key_buf.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, boost::system::error_code& ec) {
    key_buf.append(s.data(), s.size());
    Frame& f = frames.back();
    if (!f.keys.insert(key_buf).second) {
      has_duplicate = true;
      duplicate = key_buf;
      duplicate_in = path();
      fail(ec);
      return false;
    }
    f.key = key_buf;
    key_buf.clear();
    st.push_key(s);
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, boost::system::error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, boost::system::error_code&) {
    st.push_string(s);
    value_done();
    return true;
  }
  bool on_number_part(json::string_view s, boost::system::error_code&) {
    num_buf.append(s.data(), s.size());
    return true;
  }
  bool on_int64(std::int64_t i, json::string_view, boost::system::error_code&) {
    num_buf.clear();
    st.push_int64(i);
    value_done();
    return true;
  }
  bool on_uint64(std::uint64_t u, json::string_view, boost::system::error_code&) {
    num_buf.clear();
    st.push_uint64(u);
    value_done();
    return true;
  }
  bool on_double(double d, json::string_view s, boost::system::error_code& ec) {
    num_buf.append(s.data(), s.size());
    double x = 0;
    const char* first = num_buf.data();
    const char* last = first + num_buf.size();
    const auto r = std::from_chars(first, last, x);
    if (r.ec == std::errc::result_out_of_range) {
      // Beyond the double range: infinity (refused by the readers) or, below it, a signed zero,
      // as Boost.JSON gives.
      const bool neg = num_buf[0] == '-';
      x = std::abs(d) > 1 ? (neg ? -HUGE_VAL : HUGE_VAL) : (neg ? -0.0 : 0.0);
    } else if (r.ec != std::errc() || r.ptr != last) {
      fail(ec);  // cannot happen for text the JSON grammar accepted
      return false;
    }
    num_buf.clear();
    st.push_double(x);
    value_done();
    return true;
  }
  bool on_bool(bool b, boost::system::error_code&) {
    st.push_bool(b);
    value_done();
    return true;
  }
  bool on_null(boost::system::error_code&) {
    st.push_null();
    value_done();
    return true;
  }
  bool on_comment_part(json::string_view, boost::system::error_code&) { return true; }
  bool on_comment(json::string_view, boost::system::error_code&) { return true; }
};

std::string line_column(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::size_t line = 1, col = 1;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

}  // namespace

json::value parse_json(std::string_view text, std::string_view what) {
  json::basic_parser<StrictHandler> p(json::parse_options{});
  StrictHandler& h = p.handler();
  h.st.reset();
  boost::system::error_code ec;
  std::size_t n = p.write_some(false, text.data(), text.size(), ec);
  if (!ec && n < text.size()) ec = json::error::extra_data;
  if (h.has_duplicate)
    throw config_error(std::string(what) + ": duplicate key '" + h.duplicate + "' in " +
                       (h.duplicate_in.empty() ? std::string("the top-level object") : h.duplicate_in) + " (" +
                       line_column(text, n) + "); a key may appear once per object");
  if (ec) throw config_error(std::string(what) + ": invalid JSON (" + ec.message() + ", " + line_column(text, n) + ")");
  return h.st.release();
}

std::string dump_json(const json::value& v) {
  return json::serialize(v);
}

const char* json_kind(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "a number";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "a value";
}

ObjectReader::ObjectReader(const json::value& v, std::string path) : obj_(nullptr), path_(std::move(path)) {
  if (!v.is_object()) throw config_error(path_ + ": expected an object, got " + json_kind(v));
  obj_ = &v.get_object();
}

const json::value* ObjectReader::raw(std::string_view key) {
  bool seen = false;
  for (const auto& k : asked_) seen = seen || k == key;
  if (!seen) asked_.emplace_back(key);
  auto it = obj_->find(key);
  if (it == obj_->end()) return nullptr;
  used_.emplace(key);
  return &it->value();
}

void ObjectReader::number(std::string_view key, double& out, double lo, double hi) {
  const json::value* v = raw(key);
  if (!v) return;
  if (!v->is_number()) throw config_error(key_path(key) + ": expected a number, got " + json_kind(*v));
  double x = v->to_number<double>();
  if (!std::isfinite(x) || x < lo || x > hi)
    throw config_error(key_path(key) + ": " + format_json(*v) + " is out of range; expected a number in [" +
                       format_number(lo) + ", " + format_number(hi) + "]");
  out = x;
}

void ObjectReader::integer(std::string_view key, long long& out, long long lo, long long hi) {
  const json::value* v = raw(key);
  if (!v) return;
  boost::system::error_code ec;
  long long x = v->is_number() ? v->to_number<long long>(ec) : 0;
  if (!v->is_number() || ec) throw config_error(key_path(key) + ": expected an integer, got " + format_json(*v));
  if (x < lo || x > hi)
    throw config_error(key_path(key) + ": " + std::to_string(x) + " is out of range; expected an integer in [" +
                       std::to_string(lo) + ", " + std::to_string(hi) + "]");
  out = x;
}

void ObjectReader::integer(std::string_view key, int& out, int lo, int hi) {
  long long x = out;
  integer(key, x, lo, hi);
  out = static_cast<int>(x);
}

void ObjectReader::seed(std::string_view key, std::uint64_t& out) {
  const json::value* v = raw(key);
  if (!v) return;
  boost::system::error_code ec;
  const std::uint64_t x = v->is_number() ? v->to_number<std::uint64_t>(ec) : 0;
  if (!v->is_number() || ec)
    throw config_error(key_path(key) + ": expected a seed, an integer in [0, 2^64), got " + format_json(*v));
  out = x;
}

void ObjectReader::boolean(std::string_view key, bool& out) {
  const json::value* v = raw(key);
  if (!v) return;
  if (!v->is_bool()) throw config_error(key_path(key) + ": expected true or false, got " + json_kind(*v));
  out = v->get_bool();
}

void ObjectReader::string(std::string_view key, std::string& out) {
  const json::value* v = raw(key);
  if (!v) return;
  if (!v->is_string()) throw config_error(key_path(key) + ": expected a string, got " + json_kind(*v));
  out = std::string(v->get_string());
}

void ObjectReader::finish() const {
  std::string unknown;
  for (const auto& kv : *obj_) {
    if (used_.count(std::string_view(kv.key())) == 0)
      unknown += (unknown.empty() ? "'" : ", '") + std::string(kv.key()) + "'";
  }
  if (unknown.empty()) return;
  std::string known;
  for (const auto& k : asked_) known += (known.empty() ? "" : ", ") + k;
  throw config_error(path_ + ": unknown key(s) " + unknown + "; expected some of: " + known);
}

}  // namespace servscore::detail
