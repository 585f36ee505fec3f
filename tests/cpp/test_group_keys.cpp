#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <map>
#include <random>

#include "servscore/detail/group_keys.hpp"
#include "servscore/errors.hpp"

using namespace servscore;
using Catch::Matchers::Contains;

namespace {
const double NaN = std::numeric_limits<double>::quiet_NaN();
const KeyValue missing = std::monostate{};
}  // namespace

TEST_CASE("GroupKeys insert and find give dense codes in insertion order", "[group_keys]") {
  GroupKeys g({"branch", "year"});
  CHECK(g.width() == 2);
  CHECK(g.size() == 0);
  CHECK(g.insert({std::string("north"), std::int64_t{2024}}) == 0);
  CHECK(g.insert({std::string("south"), std::int64_t{2024}}) == 1);
  CHECK(g.insert({std::string("north"), std::int64_t{2024}}) == 0);
  CHECK(g.insert({std::string("north"), missing}) == 2);
  CHECK(g.size() == 3);
  CHECK(g.find({std::string("south"), std::int64_t{2024}}) == std::optional<std::int32_t>(1));
  CHECK_FALSE(g.find({std::string("south"), std::int64_t{2025}}).has_value());
  CHECK(std::get<std::string>(g.key(1)[0]) == "south");
  CHECK_THROWS_AS(g.key(3), input_error);
  CHECK_THROWS_WITH(g.insert({std::string("x")}), Contains("1 value(s) for 2 key column(s)"));
}

TEST_CASE("GroupKeys equality of values: NaN is missing, -0.0 is 0.0, 1 is 1.0", "[group_keys]") {
  GroupKeys g({"k"});
  CHECK(g.insert({NaN}) == 0);
  CHECK(g.insert({missing}) == 0);
  CHECK(g.key(0)[0].index() == 0);  // stored as missing
  CHECK(g.insert({-0.0}) == 1);
  CHECK(g.insert({0.0}) == 1);
  CHECK(g.insert({std::int64_t{0}}) == 1);
  CHECK_FALSE(std::signbit(std::get<double>(g.key(1)[0])));
  CHECK(g.insert({std::int64_t{1}}) == 2);
  CHECK(g.insert({1.0}) == 2);
  CHECK(g.key(2)[0].index() == 1);  // keeps its first representation (an integer)
  CHECK(g.insert({1.5}) == 3);
  CHECK(g.insert({std::string("1")}) == 4);  // text is never a number
  // 2^53 + 1 is not the double 2^53 (compared exactly, not through a double)
  const std::int64_t big = (std::int64_t{1} << 53) + 1;
  CHECK(g.insert({big}) == 5);
  CHECK(g.insert({9007199254740992.0}) == 6);
  CHECK(g.size() == 7);
}

TEST_CASE("GroupKeys sorted_codes: numbers, then strings bytewise, missing last; column by column", "[group_keys]") {
  GroupKeys g({"a", "b"});
  g.insert({std::string("b"), 2.5});                     // 0
  g.insert({missing, std::int64_t{1}});                  // 1
  g.insert({std::string("a"), std::int64_t{3}});         // 2
  g.insert({std::int64_t{10}, missing});                 // 3
  g.insert({2.5, std::string("z")});                     // 4
  g.insert({std::string("b"), std::int64_t{2}});         // 5
  g.insert({std::string("B"), std::int64_t{0}});         // 6: 'B' < 'a' bytewise
  g.insert({std::string("\xc3\xa9"), std::int64_t{0}});  // 7: U+00E9 after ASCII
  CHECK(g.sorted_codes() == std::vector<std::int32_t>{4, 3, 6, 2, 5, 0, 7, 1});
}

TEST_CASE("GroupKeys merge maps the other's codes and refuses other key columns", "[group_keys]") {
  GroupKeys a({"k"}), b({"k"});
  a.insert({std::string("x")});
  a.insert({std::string("y")});
  b.insert({std::string("z")});
  b.insert({std::string("x")});
  b.insert({missing});
  CHECK(a.merge(b) == std::vector<std::int32_t>{2, 0, 3});
  CHECK(a.size() == 4);
  GroupKeys c({"other"});
  CHECK_THROWS_WITH(a.merge(c), Contains("['other']") && Contains("['k']"));
}

TEST_CASE("GroupKeys byte image round trip and validation", "[group_keys]") {
  GroupKeys g({"branch", "n"});
  g.insert({std::string("north"), std::int64_t{-5}});
  g.insert({missing, 2.25});
  g.insert({std::string(""), std::int64_t{7}});
  std::string image;
  g.write(image);
  image += "tail";
  std::string_view in(image);
  GroupKeys back = GroupKeys::read(in);
  CHECK(back == g);
  CHECK(in == "tail");  // consumed its own image only
  // The exact layout: magic, version 1, width 2, names, 3 keys; first value tag 3 (string).
  CHECK(image.substr(0, 4) == "SSGK");
  CHECK(image[4] == 1);
  CHECK(image[8] == 2);

  GroupKeys other({"branch", "n"});
  other.insert({std::string("north"), -5.0});  // equal as a key, but a double: not the same image
  CHECK_FALSE(other == g);

  // every truncation is an input_error, never a crash
  for (std::size_t len = 0; len + 4 < image.size(); ++len) {
    std::string_view cut(image.data(), len);
    CHECK_THROWS_AS(GroupKeys::read(cut), input_error);
  }
  // a huge declared key count is refused before anything is allocated
  std::string bad;
  GroupKeys({"k"}).write(bad);
  bad[bad.size() - 1] = '\x7f';  // size's top byte: ~2^31 keys declared
  std::string_view bv(bad);
  CHECK_THROWS_WITH(GroupKeys::read(bv), Contains("keys of 1 value(s) declared"));
  // duplicates and NaN doubles are refused
  std::string dup;
  GroupKeys d({"k"});
  d.insert({std::int64_t{1}});
  d.write(dup);
  dup[dup.size() - 13] = 2;  // key count 1 -> 2: append a second copy of the key
  dup += dup.substr(dup.size() - 9);
  std::string_view dv(dup);
  CHECK_THROWS_WITH(GroupKeys::read(dv), Contains("repeats"));
}

TEST_CASE("factorize_numbers: codes in value order, missing last, both paths", "[group_keys]") {
  const std::vector<std::int64_t> small{5, 3, 5, 9, 3};
  auto f = detail::factorize_numbers(small.data(), 5, "k");
  CHECK(f.codes == std::vector<std::int32_t>{1, 0, 1, 2, 0});
  REQUIRE(f.keys.size() == 3);
  CHECK(std::get<std::int64_t>(f.keys.key(2)[0]) == 9);
  // a wide range takes the hash path: same contract
  const std::vector<std::int64_t> wide{std::int64_t{1} << 40, -7, std::int64_t{1} << 40, 0};
  auto w = detail::factorize_numbers(wide.data(), 4, "k");
  CHECK(w.codes == std::vector<std::int32_t>{2, 0, 2, 1});
  CHECK(std::get<std::int64_t>(w.keys.key(0)[0]) == -7);
  const std::vector<double> d{2.5, NaN, -0.0, 0.0, 2.5, -1e300};
  auto fd = detail::factorize_numbers(d.data(), 6, "x");
  CHECK(fd.codes == std::vector<std::int32_t>{2, 3, 1, 1, 2, 0});
  CHECK(fd.keys.key(3)[0].index() == 0);
  const std::vector<double> whole{3.0, NaN, 1.0, 3.0};  // direct table for whole doubles
  auto fw = detail::factorize_numbers(whole.data(), 4, "x");
  CHECK(fw.codes == std::vector<std::int32_t>{1, 2, 0, 1});
  CHECK(std::get<double>(fw.keys.key(1)[0]) == 3.0);
  const std::vector<std::uint64_t> u{std::numeric_limits<std::uint64_t>::max(), 1};
  CHECK_THROWS_WITH(detail::factorize_numbers(u.data(), 2, "u"), Contains("beyond the int64 range"));
  const std::vector<std::uint64_t> u2{std::uint64_t{1} << 62, 1};
  auto fu = detail::factorize_numbers(u2.data(), 2, "u");
  CHECK(fu.codes == std::vector<std::int32_t>{1, 0});
  const std::vector<std::int8_t> i8{-128, 127, -128};
  auto f8 = detail::factorize_numbers(i8.data(), 3, "i");
  CHECK(f8.codes == std::vector<std::int32_t>{0, 1, 0});
}

TEST_CASE("factorize_numbers agrees with a std::map reference on random data", "[group_keys]") {
  std::mt19937_64 rng(13);
  for (int trial = 0; trial < 20; ++trial) {
    const int n = 1 + static_cast<int>(rng() % 2000);
    const std::int64_t spread = trial % 2 ? 50 : (std::int64_t{1} << 50);
    std::vector<std::int64_t> x(static_cast<std::size_t>(n));
    for (auto& v : x) v = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(spread)) - spread / 2;
    std::map<std::int64_t, int> ref;
    for (auto v : x) ref[v] = 0;
    int r = 0;
    for (auto& kv : ref) kv.second = r++;
    auto f = detail::factorize_numbers(x.data(), n, "k");
    REQUIRE(f.keys.size() == static_cast<std::int32_t>(ref.size()));
    bool ok = true;
    for (int i = 0; i < n; ++i) ok &= f.codes[static_cast<std::size_t>(i)] == ref[x[static_cast<std::size_t>(i)]];
    CHECK(ok);
  }
}

TEST_CASE("factorize_dictionary: observed categories only, category or value order", "[group_keys]") {
  const std::vector<KeyValue> cats{std::string("z"), std::string("a"), std::string("unused"), std::string("m")};
  const std::vector<std::int8_t> idx{0, 3, -1, 1, 0};
  auto byc = detail::factorize_dictionary(idx.data(), 5, cats, true, "c");
  CHECK(byc.codes == std::vector<std::int32_t>{0, 2, 3, 1, 0});  // z, a, m, missing
  CHECK(byc.keys.size() == 4);
  auto byv = detail::factorize_dictionary(idx.data(), 5, cats, false, "c");
  CHECK(byv.codes == std::vector<std::int32_t>{2, 1, 3, 0, 2});  // a, m, z, missing
  // duplicate dictionary values (Arrow allows them) are one key
  const std::vector<KeyValue> dup{std::string("x"), std::string("y"), std::string("x")};
  const std::vector<std::int32_t> di{2, 0, 1};
  auto fd = detail::factorize_dictionary(di.data(), 3, dup, false, "c");
  CHECK(fd.codes == std::vector<std::int32_t>{0, 0, 1});
  const std::vector<std::int32_t> bad{0, 3};
  CHECK_THROWS_WITH(detail::factorize_dictionary(bad.data(), 2, dup, false, "c"),
                    Contains("row 1") && Contains("category code 3"));
}

TEST_CASE("factorize_utf32 and combine_factorized", "[group_keys]") {
  // numpy '<U3' cells: "ab", "b", "ab", "" (NUL padded)
  const std::vector<char32_t> cells{U'a', U'b', 0, U'b', 0, 0, U'a', U'b', 0, 0, 0, 0};
  auto s = detail::factorize_utf32(cells.data(), 4, 3, "s");
  CHECK(s.codes == std::vector<std::int32_t>{1, 2, 1, 0});
  CHECK(std::get<std::string>(s.keys.key(1)[0]) == "ab");
  const std::vector<std::int64_t> y{2, 1, 1, 2};
  std::vector<Factorized> cols;
  cols.push_back(s);
  cols.push_back(detail::factorize_numbers(y.data(), 4, "y"));
  auto c = detail::combine_factorized(std::move(cols));
  // keys: ("", 2), ("ab", 1), ("ab", 2), ("b", 1)
  CHECK(c.codes == std::vector<std::int32_t>{2, 3, 1, 0});
  CHECK(c.keys.names() == std::vector<std::string>{"s", "y"});
  CHECK(std::get<std::string>(c.keys.key(3)[0]) == "b");
  CHECK(std::get<std::int64_t>(c.keys.key(3)[1]) == 1);
}
