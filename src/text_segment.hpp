// Private: Chinese word segmentation (jieba's prefix-dictionary DAG and max-probability
// route) and traditional-to-simplified folding (OpenCC's TS tables), both from files read
// at run time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace servscore::detail {

// An open-addressing map from UTF-8 keys (stored in one arena) to an int64 (word
// frequency; 0 for a prefix that is not itself a word) and an optional string value.
class StringTable {
 public:
  // The key hash, built byte by byte so that a caller extending a key one character at a
  // time (jieba's DAG, the longest-phrase search of the TS folding) hashes each byte once:
  // `Hash h; h.add(bytes); find(key, h.value())` equals `find(key)` for the same bytes.
  struct Hash {
    std::uint64_t state = 1469598103934665603ull;
    void add(std::string_view bytes) {
      for (unsigned char c : bytes) state = (state ^ c) * 1099511628211ull;
    }
    std::uint64_t value() const { return state ^ (state >> 29); }
  };
  static std::uint64_t hash(std::string_view key) {
    Hash h;
    h.add(key);
    return h.value();
  }
  // -1 when absent
  std::int64_t find(std::string_view key) const;
  // find(key) with key's hash given (StringTable::hash(key))
  std::int64_t find(std::string_view key, std::uint64_t h) const;
  // the value of a key found with freq >= 0 (nullptr when it has none), and its freq
  const std::string* value(std::string_view key, std::uint64_t h, std::int64_t& freq) const;
  const std::string* value(std::string_view key) const;
  // Insert or overwrite (freq >= 0); a prefix entry (freq 0) never lowers a word's freq.
  void put(std::string_view key, std::int64_t freq, std::string_view value = {});
  std::size_t size() const { return count_; }

 private:
  struct Slot {
    std::uint32_t off = 0, len = 0;
    std::int64_t freq = -1;  // -1: empty slot
    std::int32_t val = -1;   // index into values_
    std::uint32_t tag = 0;   // the high half of the key's hash: most probes past other keys skip the compare
  };
  std::size_t slot_of(std::string_view key, std::uint64_t h) const;
  void grow();
  std::string arena_;
  std::vector<Slot> slots_;
  std::vector<std::string> values_;
  std::size_t count_ = 0;
};

// jieba's algorithm without the HMM for unknown words: `cut` equals
// `jieba.lcut(s, HMM=False)` for the same dictionary.
class Segmenter {
 public:
  // Read a jieba dictionary ("word freq [tag]" per line). Throws input_error naming the
  // file and line on a malformed line.
  static std::shared_ptr<const Segmenter> load(const std::string& path);
  // A copy sharing the base dictionary, with `words` added as jieba's add_word(word)
  // (frequency from suggest_freq: just enough for the word to stay whole).
  std::shared_ptr<const Segmenter> with_words(const std::vector<std::string>& words) const;

  // Word end offsets (bytes, relative to `s`) of one run of jieba "han" characters
  // (CJK U+4E00-U+9FD5, ASCII letters, digits and +#&._%-), in order; the last is s.size().
  void cut_block(std::string_view s, std::vector<std::uint32_t>& ends) const;
  // The whole jieba pipeline: blocks of han characters cut by the DAG, other characters one
  // by one (white space included, "\r\n" kept together).
  std::vector<std::string> cut(std::string_view text) const;

  std::size_t n_words() const { return n_words_; }
  std::int64_t total() const { return total_; }

 private:
  std::int64_t freq(std::string_view w) const;                   // -1 absent, 0 prefix only
  std::int64_t freq(std::string_view w, std::uint64_t h) const;  // h = StringTable::hash(w)
  std::shared_ptr<const StringTable> base_;
  std::shared_ptr<StringTable> extra_;  // added words and their prefixes (checked first)
  std::int64_t total_ = 0;
  std::size_t n_words_ = 0;
};

// Is the code point at p (UTF-8, n bytes left) a jieba "han" character? Sets its length.
bool jieba_han(const unsigned char* p, std::size_t n, int& len);

// OpenCC's traditional-to-simplified conversion: longest TSPhrases match at each position,
// else the first candidate of TSCharacters.
class TSFolder {
 public:
  static std::shared_ptr<const TSFolder> load(const std::string& characters_path, const std::string& phrases_path);
  // Does the code point have a TSCharacters entry (a hint that the text needs folding)?
  bool is_traditional(std::uint32_t cp) const {
    return cp < 0x10000 ? ((bmp_[cp >> 6] >> (cp & 63)) & 1) != 0 : cp >= 0x20000;
  }
  // Fold `in` into `out` (cleared).
  void fold(std::string_view in, std::string& out) const;
  std::size_t n_characters() const { return chars_.size(); }
  std::size_t n_phrases() const { return n_phrases_; }

 private:
  std::unordered_map<std::uint32_t, std::string> chars_;
  StringTable phrases_;  // phrase -> simplified (freq 1), prefixes freq 0
  std::size_t n_phrases_ = 0, max_phrase_chars_ = 0;
  std::vector<std::uint64_t> bmp_ = std::vector<std::uint64_t>(1024, 0);
};

}  // namespace servscore::detail
