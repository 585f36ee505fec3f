#include "text_segment.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>

#include "servscore/errors.hpp"

namespace servscore::detail {

namespace {

inline bool cont(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

// Length of a valid UTF-8 sequence at p and its code point; 0 when invalid.
int decode(const unsigned char* p, std::size_t n, std::uint32_t& cp) {
  const unsigned char c = p[0];
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  if (c >= 0xC2 && c <= 0xDF && n >= 2 && cont(p[1])) {
    cp = ((c & 0x1Fu) << 6) | (p[1] & 0x3Fu);
    return 2;
  }
  if (c >= 0xE0 && c <= 0xEF && n >= 3 && cont(p[1]) && cont(p[2])) {
    cp = ((c & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
    return (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) ? 0 : 3;
  }
  if (c >= 0xF0 && c <= 0xF4 && n >= 4 && cont(p[1]) && cont(p[2]) && cont(p[3])) {
    cp = ((c & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu);
    return (cp < 0x10000 || cp > 0x10FFFF) ? 0 : 4;
  }
  return 0;
}

bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::size_t i = 0;
  while (i < s.size()) {
    std::uint32_t cp;
    int l = decode(p + i, s.size() - i, cp);
    if (l == 0 || cp == 0) return false;
    i += static_cast<std::size_t>(l);
  }
  return true;
}

std::uint64_t fnv(std::string_view s) {
  return StringTable::hash(s);
}

[[noreturn]] void bad_line(const std::string& path, std::size_t line, const std::string& what) {
  throw input_error(path + ": line " + std::to_string(line) + ": " + what);
}

// Lines of a file; the file must exist and be readable.
std::ifstream open_file(const std::string& path, const char* what) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw input_error(path + ": cannot open the " + std::string(what) + " file");
  return f;
}

constexpr std::size_t kMaxWordBytes = 256;

}  // namespace

// ---- StringTable --------------------------------------------------------------------------

std::size_t StringTable::slot_of(std::string_view key, std::uint64_t h) const {
  const std::size_t mask = slots_.size() - 1;
  const auto tag = static_cast<std::uint32_t>(h >> 32);
  std::size_t i = static_cast<std::size_t>(h) & mask;
  while (true) {
    const Slot& s = slots_[i];
    if (s.freq < 0) return i;
    if (s.tag == tag && s.len == key.size() && std::string_view(arena_.data() + s.off, s.len) == key) return i;
    i = (i + 1) & mask;
  }
}

void StringTable::grow() {
  std::vector<Slot> old;
  old.swap(slots_);
  slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
  for (const Slot& s : old)
    if (s.freq >= 0) {
      std::string_view k(arena_.data() + s.off, s.len);
      slots_[slot_of(k, fnv(k))] = s;
    }
}

std::int64_t StringTable::find(std::string_view key) const {
  return find(key, fnv(key));
}

std::int64_t StringTable::find(std::string_view key, std::uint64_t h) const {
  if (slots_.empty()) return -1;
  return slots_[slot_of(key, h)].freq;
}

const std::string* StringTable::value(std::string_view key, std::uint64_t h, std::int64_t& freq) const {
  freq = -1;
  if (slots_.empty()) return nullptr;
  const Slot& s = slots_[slot_of(key, h)];
  freq = s.freq;
  return s.freq < 0 || s.val < 0 ? nullptr : &values_[static_cast<std::size_t>(s.val)];
}

const std::string* StringTable::value(std::string_view key) const {
  if (slots_.empty()) return nullptr;
  const Slot& s = slots_[slot_of(key, fnv(key))];
  return s.freq < 0 || s.val < 0 ? nullptr : &values_[static_cast<std::size_t>(s.val)];
}

void StringTable::put(std::string_view key, std::int64_t freq, std::string_view value) {
  if ((count_ + 1) * 2 > slots_.size()) grow();
  const std::uint64_t h = fnv(key);
  Slot& s = slots_[slot_of(key, h)];
  if (s.freq < 0) {
    s.off = static_cast<std::uint32_t>(arena_.size());
    s.len = static_cast<std::uint32_t>(key.size());
    s.tag = static_cast<std::uint32_t>(h >> 32);
    arena_.append(key);
    s.freq = freq;
    ++count_;
  } else if (freq > 0 || s.freq == 0) {
    s.freq = freq;
  }
  if (!value.empty()) {
    s.val = static_cast<std::int32_t>(values_.size());
    values_.emplace_back(value);
  }
}

// ---- Segmenter --------------------------------------------------------------------------------

bool jieba_han(const unsigned char* p, std::size_t n, int& len) {
  const unsigned char c = p[0];
  if (c < 0x80) {
    len = 1;
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '#' ||
           c == '&' || c == '.' || c == '_' || c == '%' || c == '-';
  }
  std::uint32_t cp = 0;
  len = decode(p, n, cp);
  if (len == 0) {
    len = 1;
    return false;
  }
  return cp >= 0x4E00 && cp <= 0x9FD5;
}

std::shared_ptr<const Segmenter> Segmenter::load(const std::string& path) {
  std::ifstream f = open_file(path, "jieba dictionary");
  auto table = std::make_shared<StringTable>();
  auto seg = std::make_shared<Segmenter>();
  std::string line;
  std::size_t lineno = 0;
  std::int64_t total = 0;
  while (std::getline(f, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (lineno == 1 && line.size() >= 3 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);
    std::size_t b = line.find_first_not_of(" \t");
    if (b == std::string::npos) continue;  // blank
    const std::size_t sp = line.find(' ', b);
    if (sp == std::string::npos) bad_line(path, lineno, "expected 'word frequency [tag]'");
    std::string_view word(line.data() + b, sp - b);
    if (word.size() > kMaxWordBytes)
      bad_line(path, lineno, "word of " + std::to_string(word.size()) + " bytes; expected at most 256");
    if (!valid_utf8(word)) bad_line(path, lineno, "the word is not valid UTF-8");
    std::size_t fe = line.find(' ', sp + 1);
    std::string_view fs(line.data() + sp + 1, (fe == std::string::npos ? line.size() : fe) - sp - 1);
    if (fs.empty() || fs.size() > 15 || fs.find_first_not_of("0123456789") != std::string_view::npos)
      bad_line(path, lineno, "frequency '" + std::string(fs.substr(0, 20)) + "'; expected a non-negative integer");
    const std::int64_t fr = std::stoll(std::string(fs));
    total += fr;
    table->put(word, fr);
    for (std::size_t k = 1; k < word.size(); ++k)
      if (!cont(static_cast<unsigned char>(word[k])) && table->find(word.substr(0, k)) < 0)
        table->put(word.substr(0, k), 0);
    ++seg->n_words_;
  }
  if (seg->n_words_ == 0 || total <= 0) throw input_error(path + ": no words with a positive frequency");
  seg->base_ = std::move(table);
  seg->total_ = total;
  return seg;
}

std::int64_t Segmenter::freq(std::string_view w) const {
  return freq(w, StringTable::hash(w));
}

std::int64_t Segmenter::freq(std::string_view w, std::uint64_t h) const {
  if (extra_) {
    const std::int64_t f = extra_->find(w, h);
    if (f > 0) return f;
    if (f == 0) {
      const std::int64_t g = base_->find(w, h);
      return g > 0 ? g : 0;
    }
  }
  return base_->find(w, h);
}

std::shared_ptr<const Segmenter> Segmenter::with_words(const std::vector<std::string>& words) const {
  auto s = std::make_shared<Segmenter>(*this);
  s->extra_ = extra_ ? std::make_shared<StringTable>(*extra_) : std::make_shared<StringTable>();
  std::vector<std::uint32_t> ends;
  for (const auto& w : words) {
    if (w.empty() || w.size() > kMaxWordBytes || !valid_utf8(w)) continue;
    // only words jieba would see as one block
    bool block = true;
    for (std::size_t i = 0; i < w.size();) {
      int len = 1;
      if (!jieba_han(reinterpret_cast<const unsigned char*>(w.data()) + i, w.size() - i, len)) block = false;
      i += static_cast<std::size_t>(len);
    }
    if (!block) continue;
    // suggest_freq(word, tune=False): the product of its pieces' probabilities, plus one
    const double ftotal = static_cast<double>(s->total_);
    double f = 1.0;
    s->cut_block(w, ends);
    std::uint32_t prev = 0;
    for (std::uint32_t e : ends) {
      const std::int64_t pf = s->freq(std::string_view(w).substr(prev, e - prev));
      f *= static_cast<double>(pf > 0 ? pf : 1) / ftotal;
      prev = e;
    }
    const std::int64_t own = s->freq(w);
    const std::int64_t nf =
        std::max<std::int64_t>(static_cast<std::int64_t>(f * static_cast<double>(s->total_)) + 1, own > 0 ? own : 1);
    s->extra_->put(w, nf);
    s->total_ += nf;
    for (std::size_t k = 1; k < w.size(); ++k)
      if (!cont(static_cast<unsigned char>(w[k])) && s->freq(std::string_view(w).substr(0, k)) < 0)
        s->extra_->put(std::string_view(w).substr(0, k), 0);
    ++s->n_words_;
  }
  return s;
}

void Segmenter::cut_block(std::string_view s, std::vector<std::uint32_t>& ends) const {
  ends.clear();
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  // character offsets
  thread_local std::vector<std::uint32_t> off, dag_head, dag, to;  // reused: cut once per hit
  thread_local std::vector<std::int64_t> dag_freq;                 // the freq of each DAG word
  thread_local std::vector<double> best;
  off.clear();
  for (std::size_t i = 0; i < s.size();) {
    off.push_back(static_cast<std::uint32_t>(i));
    std::uint32_t cp;
    int l = decode(p + i, s.size() - i, cp);
    i += static_cast<std::size_t>(l > 0 ? l : 1);
  }
  const std::size_t n = off.size();
  off.push_back(static_cast<std::uint32_t>(s.size()));
  if (n == 0) return;
  // DAG: for each start k, the ends x (inclusive, in characters) of dictionary words s[k..x]
  dag_head.assign(n + 1, 0);
  dag.clear();
  dag_freq.clear();
  for (std::size_t k = 0; k < n; ++k) {
    dag_head[k] = static_cast<std::uint32_t>(dag.size());
    bool any = false;
    StringTable::Hash h;  // of s[off[k], off[i + 1]), one character more each step
    for (std::size_t i = k; i < n; ++i) {
      h.add(s.substr(off[i], off[i + 1] - off[i]));
      const std::int64_t f = freq(s.substr(off[k], off[i + 1] - off[k]), h.value());
      if (f < 0) break;
      if (f > 0) {
        dag.push_back(static_cast<std::uint32_t>(i));
        dag_freq.push_back(f);
        any = true;
      }
    }
    if (!any) {
      dag.push_back(static_cast<std::uint32_t>(k));
      dag_freq.push_back(std::max<std::int64_t>(freq(s.substr(off[k], off[k + 1] - off[k])), 0));
    }
  }
  dag_head[n] = static_cast<std::uint32_t>(dag.size());
  // route: max over x of log(freq or 1) - log(total) + route[x + 1]; ties to the larger x
  const double logtotal = std::log(static_cast<double>(total_));
  best.assign(n + 1, 0.0);
  to.assign(n + 1, 0);
  for (std::size_t idx = n; idx-- > 0;) {
    double bp = -std::numeric_limits<double>::infinity();
    std::uint32_t bx = 0;
    bool first = true;
    for (std::uint32_t j = dag_head[idx]; j < dag_head[idx + 1]; ++j) {
      const std::uint32_t x = dag[j];
      const std::int64_t f = dag_freq[j];
      const double v = std::log(static_cast<double>(f > 0 ? f : 1)) - logtotal + best[x + 1];
      if (first || v > bp || (v == bp && x > bx)) {
        bp = v;
        bx = x;
        first = false;
      }
    }
    best[idx] = bp;
    to[idx] = bx;
  }
  // single ASCII letters or digits in a row are one word
  bool buf = false;
  for (std::size_t x = 0; x < n;) {
    const std::size_t y = to[x] + 1;
    const bool eng = y == x + 1 && off[y] - off[x] == 1 && std::isalnum(p[off[x]]) != 0;
    if (eng) {
      buf = true;
    } else {
      if (buf) ends.push_back(off[x]);
      buf = false;
      ends.push_back(off[y]);
    }
    x = y;
  }
  if (buf) ends.push_back(off[n]);
}

std::vector<std::string> Segmenter::cut(std::string_view text) const {
  std::vector<std::string> out;
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  std::vector<std::uint32_t> ends;
  std::size_t i = 0;
  while (i < text.size()) {
    int len = 1;
    if (jieba_han(p + i, text.size() - i, len)) {
      std::size_t j = i;
      while (j < text.size()) {
        int l2 = 1;
        if (!jieba_han(p + j, text.size() - j, l2)) break;
        j += static_cast<std::size_t>(l2);
      }
      cut_block(text.substr(i, j - i), ends);
      std::uint32_t prev = 0;
      for (std::uint32_t e : ends) {
        out.emplace_back(text.substr(i + prev, e - prev));
        prev = e;
      }
      i = j;
    } else if (p[i] == '\r' && i + 1 < text.size() && p[i + 1] == '\n') {
      out.emplace_back("\r\n");
      i += 2;
    } else {
      out.emplace_back(text.substr(i, static_cast<std::size_t>(len)));
      i += static_cast<std::size_t>(len);
    }
  }
  return out;
}

// ---- TSFolder ---------------------------------------------------------------------------------

std::shared_ptr<const TSFolder> TSFolder::load(const std::string& characters_path, const std::string& phrases_path) {
  auto t = std::make_shared<TSFolder>();
  auto each_line = [](const std::string& path, const char* what, auto&& fn) {
    std::ifstream f = open_file(path, what);
    std::string line;
    std::size_t lineno = 0;
    while (std::getline(f, line)) {
      ++lineno;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty() || line[0] == '#') continue;
      const std::size_t tab = line.find('\t');
      if (tab == std::string::npos || tab == 0) bad_line(path, lineno, "expected 'traditional<TAB>simplified ...'");
      std::string_view key(line.data(), tab), rest(line.data() + tab + 1, line.size() - tab - 1);
      std::string_view first = rest.substr(0, rest.find(' '));
      if (first.empty()) bad_line(path, lineno, "no simplified form after the tab");
      if (!valid_utf8(key) || !valid_utf8(rest)) bad_line(path, lineno, "not valid UTF-8");
      if (key.size() > kMaxWordBytes || first.size() > kMaxWordBytes)
        bad_line(path, lineno, "entry longer than 256 bytes");
      fn(path, lineno, key, first);
    }
  };
  each_line(characters_path, "OpenCC TSCharacters",
            [&](const std::string& path, std::size_t ln, std::string_view k, std::string_view v) {
              std::uint32_t cp = 0;
              const int l = decode(reinterpret_cast<const unsigned char*>(k.data()), k.size(), cp);
              if (static_cast<std::size_t>(l) != k.size()) bad_line(path, ln, "expected one character before the tab");
              if (cp < 0x80) bad_line(path, ln, "an ASCII character has no traditional form");
              t->chars_[cp] = std::string(v);
              if (cp < 0x10000) t->bmp_[cp >> 6] |= std::uint64_t{1} << (cp & 63);
            });
  each_line(phrases_path, "OpenCC TSPhrases",
            [&](const std::string&, std::size_t, std::string_view k, std::string_view v) {
              t->phrases_.put(k, 1, v);
              std::size_t nch = 0;
              for (std::size_t i = 1; i <= k.size(); ++i)
                if (i == k.size() || !cont(static_cast<unsigned char>(k[i]))) {
                  ++nch;
                  if (i < k.size() && t->phrases_.find(k.substr(0, i)) < 0) t->phrases_.put(k.substr(0, i), 0);
                }
              t->max_phrase_chars_ = std::max(t->max_phrase_chars_, nch);
              ++t->n_phrases_;
            });
  return t;
}

void TSFolder::fold(std::string_view in, std::string& out) const {
  out.clear();
  out.reserve(in.size() + in.size() / 8);
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  std::size_t i = 0;
  while (i < in.size()) {
    if (p[i] < 0x80) {
      out.push_back(static_cast<char>(p[i++]));
      continue;
    }
    std::uint32_t cp = 0;
    int l = decode(p + i, in.size() - i, cp);
    if (l == 0) {
      out.push_back(static_cast<char>(p[i++]));
      continue;
    }
    // the longest phrase starting here
    std::size_t best = 0, j = i + static_cast<std::size_t>(l), nch = 1;
    const std::string* bv = nullptr;
    StringTable::Hash h;  // of in[i, j), one character more each step
    h.add(in.substr(i, j - i));
    while (nch <= max_phrase_chars_) {
      std::int64_t f = -1;
      const std::string* v = phrases_.value(in.substr(i, j - i), h.value(), f);
      if (f < 0) break;
      if (f > 0) {
        best = j;
        bv = v;
      }
      if (j >= in.size()) break;
      std::uint32_t c2;
      int l2 = decode(p + j, in.size() - j, c2);
      if (l2 == 0) break;
      h.add(in.substr(j, static_cast<std::size_t>(l2)));
      j += static_cast<std::size_t>(l2);
      ++nch;
    }
    if (bv != nullptr && best > i + static_cast<std::size_t>(l)) {
      out.append(*bv);
      i = best;
      continue;
    }
    if (bv != nullptr) {  // a one-character phrase
      out.append(*bv);
    } else if (auto it = chars_.find(cp); it != chars_.end()) {
      out.append(it->second);
    } else {
      out.append(in.substr(i, static_cast<std::size_t>(l)));
    }
    i += static_cast<std::size_t>(l);
  }
}

}  // namespace servscore::detail
