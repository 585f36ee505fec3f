#include "json_util.hpp"

#include <cstdio>

// Boost.JSON in header-only mode: compiled once here, so neither users of the
// library nor its CMake package need the Boost.JSON binary.
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

json::value parse_json(std::string_view text, std::string_view what) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) throw config_error(std::string(what) + ": invalid JSON (" + ec.message() + ")");
  return v;
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
