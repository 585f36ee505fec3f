// The Arrow C Data Interface checks of src/arrow_read.hpp: hand-built arrays, valid ones read
// as the specification says, each kind of bad declaration refused by name.
#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <vector>

#include "arrow_read.hpp"

using namespace servscore;
using Catch::Matchers::Contains;

namespace {

// A utf8 array ["ab", null, "", "cde"] with offset `off` and the given offsets.
struct Utf8 {
  std::vector<std::int32_t> offsets{0, 2, 2, 2, 5};
  std::string data = "abcde";
  std::uint8_t bitmap = 0b1101;  // value 1 is null
  std::vector<const void*> buffers;
  ArrowSchema s{};
  ArrowArray a{};
  Utf8() {
    buffers = {&bitmap, offsets.data(), data.data()};
    s.format = "u";
    s.name = "comment";
    a.length = 4;
    a.null_count = 1;
    a.n_buffers = 3;
    a.buffers = buffers.data();
  }
};

std::vector<std::string> read(const ArrowSchema& s, const ArrowArray& a) {
  std::vector<std::string> out;
  for (std::int64_t i = 0; i < a.length; ++i) {
    std::string_view t;
    out.push_back(arrow::text_at(&s, &a, i, t) ? std::string(t) : std::string("<null>"));
  }
  return out;
}

}  // namespace

TEST_CASE("arrow: a valid utf8 array is accepted and read value by value", "[arrow]") {
  Utf8 u;
  REQUIRE_NOTHROW(arrow::check_array(&u.s, &u.a, "comment"));
  CHECK(read(u.s, u.a) == std::vector<std::string>{"ab", "<null>", "", "cde"});
  u.a.offset = 1;  // a slice: values 1..3
  u.a.length = 3;
  u.a.null_count = 1;
  REQUIRE_NOTHROW(arrow::check_array(&u.s, &u.a, "comment"));
  CHECK(read(u.s, u.a) == std::vector<std::string>{"<null>", "", "cde"});
}

TEST_CASE("arrow: bad declarations are refused by name before anything is read", "[arrow]") {
  SECTION("decreasing offsets") {
    Utf8 u;
    u.offsets = {0, 3, 1, 1, 5};
    u.buffers[1] = u.offsets.data();
    CHECK_THROWS_WITH(arrow::check_array(&u.s, &u.a, "comment"),
                      Contains("comment") && Contains("decrease at value 1"));
  }
  SECTION("a negative first offset") {
    Utf8 u;
    u.offsets = {-4, 2, 2, 2, 5};
    u.buffers[1] = u.offsets.data();
    CHECK_THROWS_WITH(arrow::check_array(&u.s, &u.a, "comment"), Contains("negative"));
  }
  SECTION("fewer buffers than the format needs") {
    Utf8 u;
    u.a.n_buffers = 2;
    CHECK_THROWS_WITH(arrow::check_array(&u.s, &u.a, "comment"), Contains("needs 3 buffers, got 2"));
  }
  SECTION("a NULL data buffer that would be read") {
    Utf8 u;
    u.buffers[2] = nullptr;
    CHECK_THROWS_WITH(arrow::check_array(&u.s, &u.a, "comment"), Contains("data buffer is NULL"));
  }
  SECTION("a null count beyond the length, a negative length or offset") {
    Utf8 u;
    u.a.null_count = 5;
    CHECK_THROWS_WITH(arrow::check_array(&u.s, &u.a, "comment"), Contains("null count 5 for length 4"));
    u.a.null_count = 1;
    u.a.length = -1;
    CHECK_THROWS_AS(arrow::check_array(&u.s, &u.a, "comment"), input_error);
    u.a.length = 4;
    u.a.offset = -2;
    CHECK_THROWS_AS(arrow::check_array(&u.s, &u.a, "comment"), input_error);
  }
  SECTION("NULL structs and a NULL format") {
    Utf8 u;
    CHECK_THROWS_AS(arrow::check_array(nullptr, &u.a, "comment"), input_error);
    u.s.format = nullptr;
    CHECK_THROWS_WITH(arrow::check_array(&u.s, &u.a, "comment"), Contains("no format"));
  }
}

TEST_CASE("arrow: struct children must match the schema and cover the parent's slice", "[arrow]") {
  Utf8 child;
  ArrowSchema* sc[] = {&child.s};
  ArrowArray* ac[] = {&child.a};
  std::vector<const void*> none{nullptr};
  ArrowSchema s{};
  s.format = "+s";
  s.n_children = 1;
  s.children = sc;
  ArrowArray a{};
  a.length = 4;
  a.n_buffers = 1;
  a.buffers = none.data();
  a.n_children = 1;
  a.children = ac;
  REQUIRE_NOTHROW(arrow::check_array(&s, &a, "record batch"));
  a.offset = 1;  // the parent's slice ends at 5 > the child's 4 values
  CHECK_THROWS_WITH(arrow::check_array(&s, &a, "record batch"), Contains("child 0 has 4 values, the struct 5"));
  a.offset = 0;
  a.n_children = 0;
  CHECK_THROWS_WITH(arrow::check_array(&s, &a, "record batch"), Contains("schema has 1 children, the array 0"));
  a.n_children = 1;
  ac[0] = nullptr;
  CHECK_THROWS_WITH(arrow::check_array(&s, &a, "record batch"), Contains("child 0 is NULL"));
  ac[0] = &child.a;
  child.offsets = {0, 9, 2, 2, 5};  // a bad child is named by its column
  child.buffers[1] = child.offsets.data();
  CHECK_THROWS_WITH(arrow::check_array(&s, &a, "record batch"), Contains("record batch.comment"));
}

TEST_CASE("arrow: string views point inside their variadic buffers", "[arrow]") {
  // one inline view ("hi") and one out-of-line view of 13 bytes at 2 in buffer 0 (15 bytes)
  std::string data = "xxabcdefghijklm";
  std::int64_t sizes[] = {15};
  unsigned char views[32] = {};
  const std::int32_t two = 2, thirteen = 13, buf = 0, start = 2;
  std::memcpy(views, &two, 4);
  std::memcpy(views + 4, "hi", 2);
  std::memcpy(views + 16, &thirteen, 4);
  std::memcpy(views + 16 + 8, &buf, 4);
  std::memcpy(views + 16 + 12, &start, 4);
  std::vector<const void*> buffers{nullptr, views, data.data(), sizes};
  ArrowSchema s{};
  s.format = "vu";
  ArrowArray a{};
  a.length = 2;
  a.n_buffers = 4;
  a.buffers = buffers.data();
  REQUIRE_NOTHROW(arrow::check_array(&s, &a, "note"));
  CHECK(read(s, a) == std::vector<std::string>{"hi", "abcdefghijklm"});
  sizes[0] = 14;  // the view would end at 15
  CHECK_THROWS_WITH(arrow::check_array(&s, &a, "note"), Contains("spans bytes [2, 15) of a data buffer of 14"));
  sizes[0] = 15;
  const std::int32_t bad_buf = 1;
  std::memcpy(views + 16 + 8, &bad_buf, 4);
  CHECK_THROWS_WITH(arrow::check_array(&s, &a, "note"), Contains("points to data buffer 1 of 1"));
}

TEST_CASE("arrow: dictionaries are checked on both sides", "[arrow]") {
  Utf8 dict;
  std::int32_t idx[] = {3, 0};
  std::vector<const void*> buffers{nullptr, idx};
  ArrowSchema s{};
  s.format = "i";
  s.dictionary = &dict.s;
  ArrowArray a{};
  a.length = 2;
  a.n_buffers = 2;
  a.buffers = buffers.data();
  a.dictionary = &dict.a;
  REQUIRE_NOTHROW(arrow::check_array(&s, &a, "branch"));
  CHECK(arrow::index_at(&s, &a, 0) == 3);
  a.dictionary = nullptr;
  CHECK_THROWS_WITH(arrow::check_array(&s, &a, "branch"), Contains("disagree on a dictionary"));
  a.dictionary = &dict.a;
  s.format = "g";
  CHECK_THROWS_WITH(arrow::check_array(&s, &a, "branch"), Contains("is not an integer"));
}

TEST_CASE("arrow: empty strings with a NULL data buffer read as empty, at any offset", "[arrow]") {
  // found by the fuzz target: offsets all 11 and no data buffer (legal: no value has a byte);
  // reading used to compute NULL + 11 (undefined behaviour)
  Utf8 u;
  u.offsets = {11, 11, 11, 11, 11};
  u.buffers[1] = u.offsets.data();
  u.buffers[2] = nullptr;
  REQUIRE_NOTHROW(arrow::check_array(&u.s, &u.a, "comment"));
  CHECK(read(u.s, u.a) == std::vector<std::string>{"", "<null>", "", ""});
}
