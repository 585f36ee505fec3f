#include "servscore/text.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <queue>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "json_util.hpp"
#include "servscore/detail/parallel.hpp"
#include "servscore/errors.hpp"
#include "text_segment.hpp"

namespace servscore {

namespace json = boost::json;

bool CueDef::operator==(const CueDef& o) const {
  return name == o.name && actor == o.actor && phrases == o.phrases && negatable == o.negatable &&
         negated_to == o.negated_to && lost_sale == o.lost_sale && assertiveness == o.assertiveness &&
         responsiveness == o.responsiveness && indicators == o.indicators && need == o.need &&
         procedural == o.procedural && personal == o.personal && sentiment == o.sentiment && severity == o.severity;
}

bool Lexicon::operator==(const Lexicon& o) const {
  return cues == o.cues && negators == o.negators && clause_breaks == o.clause_breaks &&
         pseudo_negators == o.pseudo_negators && terminators == o.terminators && staff_markers == o.staff_markers &&
         customer_markers == o.customer_markers && languages == o.languages && negation_window == o.negation_window &&
         fold_case == o.fold_case && fold_width == o.fold_width && inflect == o.inflect &&
         max_text_bytes == o.max_text_bytes && invalid_utf8 == o.invalid_utf8 && scope_words == o.scope_words &&
         double_negation == o.double_negation && hypothetical_words == o.hypothetical_words &&
         quote_marks == o.quote_marks && experience_cues == o.experience_cues && post_negators == o.post_negators &&
         hypotheticals == o.hypotheticals && sentence_breaks == o.sentence_breaks &&
         reporting_verbs == o.reporting_verbs && staff_subjects == o.staff_subjects &&
         customer_subjects == o.customer_subjects && self_subjects == o.self_subjects &&
         other_subjects == o.other_subjects && non_subjects == o.non_subjects && staff_roles == o.staff_roles &&
         customer_roles == o.customer_roles && gap_words == o.gap_words;
}

int Lexicon::index_of(std::string_view name) const {
  for (std::size_t i = 0; i < cues.size(); ++i)
    if (cues[i].name == name) return static_cast<int>(i);
  return -1;
}

namespace {

void append_phrases(std::vector<LangPhrases>& into, const std::vector<LangPhrases>& from) {
  for (const auto& lp : from) {
    auto it = std::find_if(into.begin(), into.end(), [&](const LangPhrases& x) { return x.lang == lp.lang; });
    if (it == into.end()) {
      into.push_back(lp);
    } else {
      for (const auto& p : lp.phrases)
        if (std::find(it->phrases.begin(), it->phrases.end(), p) == it->phrases.end()) it->phrases.push_back(p);
    }
  }
}

// ---- UTF-8 normalisation ------------------------------------------------------------

inline bool is_cont(unsigned char c) {
  return (c & 0xC0) == 0x80;
}
inline bool is_word(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

// Decode one UTF-8 sequence at p (n bytes left); returns its length, or 0 when invalid.
inline int utf8_seq(const unsigned char* p, std::size_t n, std::uint32_t& cp) {
  const unsigned char c = p[0];
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  if (c >= 0xC2 && c <= 0xDF) {
    if (n < 2 || !is_cont(p[1])) return 0;
    cp = ((c & 0x1Fu) << 6) | (p[1] & 0x3Fu);
    return 2;
  }
  if (c >= 0xE0 && c <= 0xEF) {
    if (n < 3 || !is_cont(p[1]) || !is_cont(p[2])) return 0;
    cp = ((c & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
    if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (n < 4 || !is_cont(p[1]) || !is_cont(p[2]) || !is_cont(p[3])) return 0;
    cp = ((c & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu);
    if (cp < 0x10000 || cp > 0x10FFFF) return 0;
    return 4;
  }
  return 0;
}

inline bool is_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Normalise src into out (cleared). Returns the byte offset of the first invalid byte, or -1.
// Invalid bytes become NUL, which no phrase contains.
std::ptrdiff_t normalize_into(const char* src, std::size_t n, bool fold_case, bool fold_width, std::string& out,
                              const detail::TSFolder* ts = nullptr, bool* saw_traditional = nullptr) {
  // Normalised text is never longer than the input (every fold shortens or keeps a
  // character), so write through a pointer into a buffer sized once.
  if (out.size() < n) out.resize(n);
  char* const begin = out.data();
  char* w = begin;
  const auto* p = reinterpret_cast<const unsigned char*>(src);
  std::ptrdiff_t bad = -1;
  bool last_space = false;
  std::size_t i = 0;
  const unsigned char upper_lo = fold_case ? 'A' : 1, upper_hi = fold_case ? 'Z' : 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {
      // ASCII fast path: the bulk of English text
      if (is_space(c)) {
        if (!last_space) *w++ = ' ';
        last_space = true;
      } else {
        if (c >= upper_lo && c <= upper_hi) c = static_cast<unsigned char>(c + 32);
        *w++ = static_cast<char>(c);
        last_space = false;
      }
      ++i;
      continue;
    }
    std::uint32_t cp = 0;
    const int len = utf8_seq(p + i, n - i, cp);
    last_space = false;
    if (ts != nullptr && len >= 3 && !*saw_traditional && ts->is_traditional(cp)) *saw_traditional = true;
    if (len == 0) {
      if (bad < 0) bad = static_cast<std::ptrdiff_t>(i);
      *w++ = '\0';
      ++i;
      continue;
    }
    if (fold_width && (cp == 0x2018 || cp == 0x2019)) {  // typographic apostrophes
      *w++ = '\'';
    } else if (fold_width && cp == 0x3000) {
      if (w == begin || w[-1] != ' ') *w++ = ' ';
      last_space = true;
    } else if (fold_width && cp >= 0xFF01 && cp <= 0xFF5E) {
      unsigned char a = static_cast<unsigned char>(cp - 0xFEE0);
      if (a >= upper_lo && a <= upper_hi) a = static_cast<unsigned char>(a + 32);
      *w++ = static_cast<char>(a);
    } else {
      for (int k = 0; k < len; ++k) *w++ = static_cast<char>(p[i + static_cast<std::size_t>(k)]);
    }
    i += static_cast<std::size_t>(len);
  }
  out.resize(static_cast<std::size_t>(w - begin));
  return bad;
}

std::string trim_spaces(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  std::size_t b = 0;
  while (b < s.size() && s[b] == ' ') ++b;
  return s.substr(b);
}

// ---- cue phrase syntax: gaps ("A … B", "A …{3} B") and alternation ("(a|b)") -----------

constexpr int kMaxGapWords = 30;               // largest gap a part may ask for, in words
constexpr std::size_t kMaxGapParts = 4;        // parts of a gapped phrase
constexpr std::size_t kMaxAlternatives = 256;  // expansions of one part's groups

// One part of a cue phrase: its alternatives (raw text) and the largest gap before it in words
// (-1: the lexicon's `gap_words`; unused for the first part).
struct PhrasePart {
  std::vector<std::string> alts;
  int gap = -1;
};

// Split a cue phrase into parts at "…" / "..." (a part may follow "…{n}": at most n words
// between it and the part before) and expand each part's alternation groups "(a|b|c)" (a group
// without '|' is literal text: "(loudly)"). Returns what is wrong, or an empty string.
std::string parse_phrase(const std::string& ph, std::vector<PhrasePart>& parts) {
  parts.clear();
  static const std::string kEllipsis = "\xE2\x80\xA6";
  std::vector<std::pair<std::string, int>> raw;  // part text, gap before it
  std::size_t b = 0;
  int gap = -1;
  for (;;) {
    const std::size_t e1 = ph.find(kEllipsis, b), e2 = ph.find("...", b);
    const std::size_t e = std::min(e1, e2);
    raw.emplace_back(ph.substr(b, e == std::string::npos ? std::string::npos : e - b), gap);
    if (e == std::string::npos) break;
    b = e + (e == e1 ? kEllipsis.size() : 3);
    gap = -1;
    if (b < ph.size() && ph[b] == '{') {
      const std::size_t c = ph.find('}', b);
      const std::string num = c == std::string::npos ? ph.substr(b + 1) : ph.substr(b + 1, c - b - 1);
      const bool digits = !num.empty() && num.size() <= 3 &&
                          std::all_of(num.begin(), num.end(), [](char x) { return x >= '0' && x <= '9'; });
      if (c == std::string::npos || !digits || std::stoi(num) > kMaxGapWords)
        return "gap '{" + num + (c == std::string::npos ? "" : "}") +
               "': expected …{n} with n a whole number of words 0-" + std::to_string(kMaxGapWords);
      gap = std::stoi(num);
      b = c + 1;
    }
  }
  if (raw.size() > kMaxGapParts)
    return std::to_string(raw.size()) + " parts; a gapped phrase has at most " + std::to_string(kMaxGapParts);
  for (std::size_t k = 0; k < raw.size(); ++k) {
    const std::string& s = raw[k].first;
    const std::string which = raw.size() > 1 ? "part " + std::to_string(k + 1) + " ('" + s + "')" : "the phrase";
    std::vector<std::string> outs{""};
    std::size_t i = 0;
    while (i < s.size()) {
      const char ch = s[i];
      if (ch == '|') return which + ": '|' outside a group; write alternatives in parentheses, (a|b)";
      if (ch != '(') {
        for (auto& o : outs) o.push_back(ch);
        ++i;
        continue;
      }
      const std::size_t close = s.find(')', i);
      const std::string group = close == std::string::npos ? s.substr(i + 1) : s.substr(i + 1, close - i - 1);
      if (group.find('|') == std::string::npos) {  // literal parentheses
        const std::size_t to = close == std::string::npos ? s.size() : close + 1;
        for (auto& o : outs) o += s.substr(i, to - i);
        i = to;
        continue;
      }
      if (close == std::string::npos) return which + ": '(' of an alternation group is not closed";
      if (group.find('(') != std::string::npos) return which + ": nested groups are not supported";
      std::vector<std::string> alts;
      std::size_t a = 0;
      for (;;) {
        const std::size_t bar = group.find('|', a);
        alts.push_back(group.substr(a, bar == std::string::npos ? std::string::npos : bar - a));
        if (bar == std::string::npos) break;
        a = bar + 1;
      }
      for (const auto& alt : alts)
        if (trim_spaces(alt).empty()) return which + ": empty alternative in '(" + group + ")'";
      if (outs.size() * alts.size() > kMaxAlternatives)
        return which + ": more than " + std::to_string(kMaxAlternatives) + " alternatives";
      std::vector<std::string> next;
      for (const auto& o : outs)
        for (const auto& alt : alts) next.push_back(o + alt);
      outs.swap(next);
      i = close + 1;
    }
    PhrasePart part;
    part.gap = raw[k].second;
    for (auto& o : outs) {
      std::string v = trim_spaces(o);
      if (v.empty() || v == "*")
        return raw.size() > 1 ? which + " is empty; expected text before and after each '…'" : "empty phrase";
      if (std::find(part.alts.begin(), part.alts.end(), v) == part.alts.end()) part.alts.push_back(std::move(v));
    }
    parts.push_back(std::move(part));
  }
  return {};
}

bool lang_used(const Lexicon& lx, const std::string& lang) {
  return lang.empty() || lx.languages.empty() ||
         std::find(lx.languages.begin(), lx.languages.end(), lang) != lx.languages.end();
}

}  // namespace

void Lexicon::extend(const Lexicon& other) {
  for (const auto& c : other.cues) {
    int i = index_of(c.name);
    if (i < 0)
      cues.push_back(c);
    else
      append_phrases(cues[static_cast<std::size_t>(i)].phrases, c.phrases);
  }
  append_phrases(negators, other.negators);
  append_phrases(clause_breaks, other.clause_breaks);
  append_phrases(pseudo_negators, other.pseudo_negators);
  append_phrases(terminators, other.terminators);
  append_phrases(staff_markers, other.staff_markers);
  append_phrases(customer_markers, other.customer_markers);
  append_phrases(post_negators, other.post_negators);
  append_phrases(hypotheticals, other.hypotheticals);
  append_phrases(sentence_breaks, other.sentence_breaks);
  append_phrases(reporting_verbs, other.reporting_verbs);
  append_phrases(staff_subjects, other.staff_subjects);
  append_phrases(customer_subjects, other.customer_subjects);
  append_phrases(self_subjects, other.self_subjects);
  append_phrases(other_subjects, other.other_subjects);
  append_phrases(non_subjects, other.non_subjects);
  append_phrases(staff_roles, other.staff_roles);
  append_phrases(customer_roles, other.customer_roles);
  for (const auto& q : other.quote_marks)
    if (std::find(quote_marks.begin(), quote_marks.end(), q) == quote_marks.end()) quote_marks.push_back(q);
  for (const auto& q : other.experience_cues)
    if (std::find(experience_cues.begin(), experience_cues.end(), q) == experience_cues.end())
      experience_cues.push_back(q);
  for (const auto& l : other.languages)
    if (!languages.empty() && std::find(languages.begin(), languages.end(), l) == languages.end())
      languages.push_back(l);
}

void Lexicon::validate() const {
  if (negation_window < 0)
    throw config_error("negation_window: " + std::to_string(negation_window) + "; expected >= 0");
  if (max_text_bytes < 1 || max_text_bytes > std::numeric_limits<std::int32_t>::max())
    throw config_error("max_text_bytes: " + std::to_string(max_text_bytes) +
                       "; expected a positive number of bytes below 2^31 (hit offsets are 32-bit)");
  if (invalid_utf8 != "replace" && invalid_utf8 != "error")
    throw config_error("invalid_utf8: '" + invalid_utf8 + "'; expected 'replace' or 'error'");
  // cue phrases (cue non-empty) take the gap and alternation syntax, checked part by part
  auto check_phrases = [&](const std::vector<LangPhrases>& v, const std::string& where, const std::string& cue = {}) {
    std::vector<PhrasePart> parts;
    for (const auto& lp : v)
      for (std::size_t k = 0; k < lp.phrases.size(); ++k) {
        const std::string& ph = lp.phrases[k];
        std::string path = where + (lp.lang.empty() ? "" : "." + lp.lang) + "[" + std::to_string(k) + "]";
        std::string norm;
        if (normalize_into(ph.data(), ph.size(), fold_case, fold_width, norm) >= 0)
          throw config_error(path + ": '" + ph + "' is not valid UTF-8");
        if (norm.find('\0') != std::string::npos) throw config_error(path + ": phrases may not contain NUL");
        std::vector<std::string> bodies{ph};
        if (!cue.empty()) {
          const std::string err = parse_phrase(ph, parts);
          if (!err.empty()) throw config_error(path + ": phrase '" + ph + "' of cue '" + cue + "': " + err);
          bodies.clear();
          for (const auto& part : parts) bodies.insert(bodies.end(), part.alts.begin(), part.alts.end());
        }
        for (std::string body : bodies) {
          if (!body.empty() && body.back() == '*') body.pop_back();
          normalize_into(body.data(), body.size(), fold_case, fold_width, norm);
          if (trim_spaces(norm).empty())
            throw config_error(path + ": empty phrase" + (cue.empty() ? "" : " '" + ph + "' of cue '" + cue + "'") +
                               "; expected at least one character");
        }
      }
  };
  // names by hash (a scan per cue made 10^5 cues take half a minute)
  std::unordered_map<std::string_view, std::size_t> by_name;
  by_name.reserve(cues.size());
  for (std::size_t i = 0; i < cues.size(); ++i) by_name.emplace(cues[i].name, i);  // the first of each name
  for (std::size_t i = 0; i < cues.size(); ++i) {
    const auto& c = cues[i];
    std::string where = "cues[" + std::to_string(i) + "]";
    if (c.name.empty()) throw config_error(where + ".name: expected a non-empty name");
    if (by_name.at(c.name) != i) throw config_error(where + ".name: duplicate cue '" + c.name + "'");
    if (c.actor != "staff" && c.actor != "customer" && c.actor != "any")
      throw config_error(where + ".actor: '" + c.actor + "' for cue '" + c.name +
                         "'; expected 'staff', 'customer' or 'any'");
    if (c.severity < 0 || c.severity > 3)
      throw config_error(where + ".severity: " + std::to_string(c.severity) + " for cue '" + c.name +
                         "'; expected 0-3");
    if (!c.negated_to.empty() && by_name.count(c.negated_to) == 0)
      throw config_error(where + ".negated_to: '" + c.negated_to + "' for cue '" + c.name + "' is not a cue");
    for (auto [key, v] : {std::pair{"assertiveness", c.assertiveness},
                          {"responsiveness", c.responsiveness},
                          {"procedural", c.procedural},
                          {"personal", c.personal},
                          {"sentiment", c.sentiment}})
      if (!std::isfinite(v)) throw config_error(where + "." + key + ": expected a finite number");
    for (const auto& [ind, w] : c.indicators) {
      if (ind.empty()) throw config_error(where + ".indicators: empty indicator name");
      if (!std::isfinite(w)) throw config_error(where + ".indicators." + ind + ": expected a finite weight");
    }
    check_phrases(c.phrases, where + ".phrases", c.name);
  }
  check_phrases(negators, "negators");
  check_phrases(clause_breaks, "clause_breaks");
  check_phrases(pseudo_negators, "pseudo_negators");
  check_phrases(terminators, "terminators");
  check_phrases(staff_markers, "staff_markers");
  check_phrases(customer_markers, "customer_markers");
  check_phrases(post_negators, "post_negators");
  check_phrases(hypotheticals, "hypotheticals");
  check_phrases(sentence_breaks, "sentence_breaks");
  check_phrases(reporting_verbs, "reporting_verbs");
  check_phrases(staff_subjects, "staff_subjects");
  check_phrases(customer_subjects, "customer_subjects");
  check_phrases(self_subjects, "self_subjects");
  check_phrases(other_subjects, "other_subjects");
  check_phrases(non_subjects, "non_subjects");
  check_phrases(staff_roles, "staff_roles");
  check_phrases(customer_roles, "customer_roles");
  if (scope_words < 0) throw config_error("scope_words: " + std::to_string(scope_words) + "; expected >= 0");
  if (gap_words < 0 || gap_words > kMaxGapWords)
    throw config_error("gap_words: " + std::to_string(gap_words) + "; expected 0-" + std::to_string(kMaxGapWords));
  if (hypothetical_words < 0)
    throw config_error("hypothetical_words: " + std::to_string(hypothetical_words) + "; expected >= 0");
  for (std::size_t k = 0; k < quote_marks.size(); ++k) {
    const std::string& q = quote_marks[k];
    std::size_t chars = 0;
    for (unsigned char c : q) chars += (c & 0xC0) != 0x80 ? 1 : 0;
    std::string norm;
    if (chars != 2 || normalize_into(q.data(), q.size(), fold_case, fold_width, norm) >= 0)
      throw config_error("quote_marks[" + std::to_string(k) + "]: '" + q +
                         "'; expected two characters, the opening and the closing mark");
  }
}

// ---- JSON -------------------------------------------------------------------------------

namespace {

json::value phrases_to_json(const std::vector<LangPhrases>& v) {
  if (v.size() == 1 && v[0].lang.empty()) return json::value_from(v[0].phrases);
  json::object o;
  for (const auto& lp : v) o[lp.lang] = json::value_from(lp.phrases);
  return o;
}

std::vector<std::string> string_list(const json::value& v, const std::string& path) {
  if (!v.is_array()) throw config_error(path + ": expected a list of strings, got " + detail::json_kind(v));
  std::vector<std::string> out;
  std::size_t i = 0;
  for (const auto& s : v.get_array()) {
    if (!s.is_string())
      throw config_error(path + "[" + std::to_string(i) + "]: expected a string, got " + detail::json_kind(s));
    out.emplace_back(s.get_string());
    ++i;
  }
  return out;
}

std::vector<LangPhrases> phrases_from_json(const json::value& v, const std::string& path) {
  std::vector<LangPhrases> out;
  if (v.is_array()) {
    out.push_back({"", string_list(v, path)});
  } else if (v.is_object()) {
    for (const auto& kv : v.get_object())
      out.push_back({std::string(kv.key()), string_list(kv.value(), path + "." + std::string(kv.key()))});
  } else {
    throw config_error(path + ": expected a list of strings or an object {language: [strings]}, got " +
                       detail::json_kind(v));
  }
  return out;
}

}  // namespace

void tag_invoke(json::value_from_tag, json::value& jv, const CueDef& c) {
  json::object o;
  o["name"] = c.name;
  o["actor"] = c.actor;
  o["phrases"] = phrases_to_json(c.phrases);
  o["negatable"] = c.negatable;
  o["negated_to"] = c.negated_to;
  o["lost_sale"] = c.lost_sale ? json::value(to_string(*c.lost_sale)) : json::value(nullptr);
  o["assertiveness"] = c.assertiveness;
  o["responsiveness"] = c.responsiveness;
  o["need"] = c.need ? json::value(to_string(*c.need)) : json::value(nullptr);
  o["procedural"] = c.procedural;
  o["personal"] = c.personal;
  o["sentiment"] = c.sentiment;
  o["severity"] = c.severity;
  json::object inds;
  for (const auto& [k, w] : c.indicators) inds[k] = w;
  o["indicators"] = std::move(inds);
  jv = std::move(o);
}

void tag_invoke(json::value_from_tag, json::value& jv, const Lexicon& l) {
  json::array cues;
  for (const auto& c : l.cues) cues.push_back(json::value_from(c));
  jv = {{"cues", std::move(cues)},
        {"negators", phrases_to_json(l.negators)},
        {"clause_breaks", phrases_to_json(l.clause_breaks)},
        {"pseudo_negators", phrases_to_json(l.pseudo_negators)},
        {"terminators", phrases_to_json(l.terminators)},
        {"staff_markers", phrases_to_json(l.staff_markers)},
        {"customer_markers", phrases_to_json(l.customer_markers)},
        {"post_negators", phrases_to_json(l.post_negators)},
        {"hypotheticals", phrases_to_json(l.hypotheticals)},
        {"sentence_breaks", phrases_to_json(l.sentence_breaks)},
        {"reporting_verbs", phrases_to_json(l.reporting_verbs)},
        {"staff_subjects", phrases_to_json(l.staff_subjects)},
        {"customer_subjects", phrases_to_json(l.customer_subjects)},
        {"self_subjects", phrases_to_json(l.self_subjects)},
        {"other_subjects", phrases_to_json(l.other_subjects)},
        {"non_subjects", phrases_to_json(l.non_subjects)},
        {"staff_roles", phrases_to_json(l.staff_roles)},
        {"customer_roles", phrases_to_json(l.customer_roles)},
        {"quote_marks", json::value_from(l.quote_marks)},
        {"experience_cues", json::value_from(l.experience_cues)},
        {"scope_words", l.scope_words},
        {"double_negation", l.double_negation},
        {"hypothetical_words", l.hypothetical_words},
        {"gap_words", l.gap_words},
        {"languages", json::value_from(l.languages)},
        {"negation_window", l.negation_window},
        {"fold_case", l.fold_case},
        {"fold_width", l.fold_width},
        {"inflect", l.inflect},
        {"max_text_bytes", l.max_text_bytes},
        {"invalid_utf8", l.invalid_utf8}};
}

Lexicon tag_invoke(json::value_to_tag<Lexicon>, const json::value& jv) {
  Lexicon l;
  detail::ObjectReader r(jv, "lexicon");
  if (const json::value* v = r.raw("cues")) {
    if (!v->is_array())
      throw config_error("lexicon.cues: expected a list of cues, got " + std::string(detail::json_kind(*v)));
    std::size_t i = 0;
    for (const auto& item : v->get_array()) {
      std::string path = "lexicon.cues[" + std::to_string(i++) + "]";
      CueDef c;
      detail::ObjectReader cr(item, path);
      cr.string("name", c.name);
      if (!cr.has("name")) throw config_error(path + ".name: required");
      cr.string("actor", c.actor);
      if (const json::value* p = cr.raw("phrases")) c.phrases = phrases_from_json(*p, path + ".phrases");
      cr.boolean("negatable", c.negatable);
      cr.string("negated_to", c.negated_to);
      if (const json::value* ls = cr.raw("lost_sale"); ls && !ls->is_null())
        cr.enumeration("lost_sale", c.lost_sale.emplace());
      cr.number("assertiveness", c.assertiveness);
      cr.number("responsiveness", c.responsiveness);
      if (const json::value* nd = cr.raw("need"); nd && !nd->is_null()) cr.enumeration("need", c.need.emplace());
      cr.number("procedural", c.procedural);
      cr.number("personal", c.personal);
      cr.number("sentiment", c.sentiment);
      cr.integer("severity", c.severity, 0, 3);
      if (const json::value* ind = cr.raw("indicators")) {
        if (!ind->is_object())
          throw config_error(path + ".indicators: expected an object {indicator: weight}, got " +
                             detail::json_kind(*ind));
        for (const auto& kv : ind->get_object()) {
          if (!kv.value().is_number())
            throw config_error(path + ".indicators." + std::string(kv.key()) + ": expected a number, got " +
                               detail::json_kind(kv.value()));
          c.indicators.emplace_back(std::string(kv.key()), kv.value().to_number<double>());
        }
      }
      (void)cr.raw("description");  // documentation only
      cr.finish();
      l.cues.push_back(std::move(c));
    }
  }
  if (const json::value* v = r.raw("negators")) l.negators = phrases_from_json(*v, "lexicon.negators");
  if (const json::value* v = r.raw("clause_breaks")) l.clause_breaks = phrases_from_json(*v, "lexicon.clause_breaks");
  if (const json::value* v = r.raw("pseudo_negators"))
    l.pseudo_negators = phrases_from_json(*v, "lexicon.pseudo_negators");
  if (const json::value* v = r.raw("terminators")) l.terminators = phrases_from_json(*v, "lexicon.terminators");
  if (const json::value* v = r.raw("staff_markers")) l.staff_markers = phrases_from_json(*v, "lexicon.staff_markers");
  if (const json::value* v = r.raw("customer_markers"))
    l.customer_markers = phrases_from_json(*v, "lexicon.customer_markers");
  if (const json::value* v = r.raw("post_negators")) l.post_negators = phrases_from_json(*v, "lexicon.post_negators");
  if (const json::value* v = r.raw("hypotheticals")) l.hypotheticals = phrases_from_json(*v, "lexicon.hypotheticals");
  if (const json::value* v = r.raw("sentence_breaks"))
    l.sentence_breaks = phrases_from_json(*v, "lexicon.sentence_breaks");
  if (const json::value* v = r.raw("reporting_verbs"))
    l.reporting_verbs = phrases_from_json(*v, "lexicon.reporting_verbs");
  if (const json::value* v = r.raw("staff_subjects"))
    l.staff_subjects = phrases_from_json(*v, "lexicon.staff_subjects");
  if (const json::value* v = r.raw("customer_subjects"))
    l.customer_subjects = phrases_from_json(*v, "lexicon.customer_subjects");
  if (const json::value* v = r.raw("self_subjects")) l.self_subjects = phrases_from_json(*v, "lexicon.self_subjects");
  if (const json::value* v = r.raw("other_subjects"))
    l.other_subjects = phrases_from_json(*v, "lexicon.other_subjects");
  if (const json::value* v = r.raw("non_subjects")) l.non_subjects = phrases_from_json(*v, "lexicon.non_subjects");
  if (const json::value* v = r.raw("staff_roles")) l.staff_roles = phrases_from_json(*v, "lexicon.staff_roles");
  if (const json::value* v = r.raw("customer_roles"))
    l.customer_roles = phrases_from_json(*v, "lexicon.customer_roles");
  if (const json::value* v = r.raw("quote_marks")) l.quote_marks = string_list(*v, "lexicon.quote_marks");
  if (const json::value* v = r.raw("experience_cues")) l.experience_cues = string_list(*v, "lexicon.experience_cues");
  r.integer("scope_words", l.scope_words, 0, 1000000);
  r.boolean("double_negation", l.double_negation);
  r.integer("hypothetical_words", l.hypothetical_words, 0, 1000000);
  r.integer("gap_words", l.gap_words, 0, kMaxGapWords);
  if (const json::value* v = r.raw("languages")) l.languages = string_list(*v, "lexicon.languages");
  r.integer("negation_window", l.negation_window, 0, 1000000);
  r.boolean("fold_case", l.fold_case);
  r.boolean("fold_width", l.fold_width);
  r.boolean("inflect", l.inflect);
  long long mtb = l.max_text_bytes;
  r.integer("max_text_bytes", mtb, 1, std::numeric_limits<std::int32_t>::max());
  l.max_text_bytes = mtb;
  r.string("invalid_utf8", l.invalid_utf8);
  (void)r.raw("name");
  (void)r.raw("description");
  (void)r.raw("family");  // documentation of a cue file
  r.finish();
  l.validate();
  return l;
}

Lexicon lexicon_from_json(std::string_view text) {
  return json::value_to<Lexicon>(detail::parse_json(text, "lexicon"));
}

std::string to_json(const Lexicon& lexicon) {
  return detail::dump_json(json::value_from(lexicon));
}

// ---- the automaton ----------------------------------------------------------------------

namespace {
enum PatternKind : std::uint8_t {
  kCue = 0,
  kNegator = 1,
  kBreak = 2,
  kStaff = 3,
  kCustomer = 4,
  kPseudo = 5,
  kCtx = 6,  // a context trigger only (its roles in Pattern::ctx)
  kPart = 7  // a part of gapped cue phrases only (Pattern::parts)
};

// Context roles of a pattern (a bit set: "." is a clause break and a sentence break).
enum CtxRole : std::uint32_t {
  kCtxPost = 1u << 0,
  kCtxHypo = 1u << 1,
  kCtxSentence = 1u << 2,
  kCtxReport = 1u << 3,
  kCtxSubjStaff = 1u << 4,
  kCtxSubjCustomer = 1u << 5,
  kCtxSubjSelf = 1u << 6,
  kCtxSubjOther = 1u << 7,
  kCtxNonSubj = 1u << 8,
  kCtxRoleStaff = 1u << 9,
  kCtxRoleCustomer = 1u << 10,
  kCtxQuoteOpen = 1u << 11,
  kCtxQuoteClose = 1u << 12,
  kCtxTerminator = 1u << 13,
};
constexpr std::uint32_t kCtxSubject = kCtxSubjStaff | kCtxSubjCustomer | kCtxSubjSelf | kCtxSubjOther;

struct Pattern {
  std::string text;
  std::uint8_t kind = kCue;
  bool left = false, right = false;  // ASCII word boundary required on that side
  std::vector<std::int32_t> cues;    // kCue: the cues it signals
  std::uint32_t ctx = 0;             // CtxRole bits
  std::int32_t gapped = -1;          // kCue: index of its gapped phrase (not in the automaton), else -1
  std::vector<std::pair<std::int32_t, std::int32_t>> parts;  // (gapped phrase, part) this text is a part of
};

// A cue phrase of parts in order within one clause ("asked … (married|salary)").
struct Gapped {
  std::int32_t pattern = -1;  // its kCue pattern (cues, phrase id)
  std::vector<int> gap;       // gap[k]: most words between part k-1 and part k (gap[0] unused)
};

struct PartHit {
  std::int32_t gapped, part, start, end;
};

struct Hit {
  std::int32_t start, end, pat;
};

bool is_alpha_word(const std::string& w) {
  if (w.size() < 3) return false;
  for (unsigned char c : w)
    if (c < 'a' || c > 'z') return false;
  return true;
}

bool is_vowel(char c) {
  return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

// The regular inflections of an English word (the word first); see Lexicon::inflect.
std::vector<std::string> inflections(const std::string& w) {
  std::vector<std::string> f{w};
  if (!is_alpha_word(w)) return f;
  const std::size_t n = w.size();
  const char last = w[n - 1], prev = w[n - 2];
  const bool sib =
      last == 's' || last == 'x' || last == 'z' || last == 'o' || (last == 'h' && (prev == 'c' || prev == 's'));
  f.push_back(w + (sib ? "es" : "s"));
  if (last == 'e') {
    f.push_back(w + "d");
    f.push_back(w.substr(0, n - 1) + "ing");
  } else if (last == 'y' && !is_vowel(prev)) {
    f.push_back(w.substr(0, n - 1) + "ied");
    f.push_back(w.substr(0, n - 1) + "ies");
    f.push_back(w + "ing");
  } else {
    f.push_back(w + "ed");
    f.push_back(w + "ing");
    // consonant-vowel-consonant: stop -> stopped, stopping
    if (!is_vowel(last) && last != 'w' && last != 'x' && last != 'y' && is_vowel(prev) && !is_vowel(w[n - 3])) {
      f.push_back(w + last + "ed");
      f.push_back(w + last + "ing");
    }
  }
  return f;
}

// Every inflected variant of a phrase (words split on spaces), words inflected left to right
// while the number of variants stays within `cap`.
std::vector<std::string> phrase_variants(const std::string& phrase, bool star, std::size_t cap = 32) {
  std::vector<std::string> words;
  std::size_t b = 0;
  while (b <= phrase.size()) {
    std::size_t e = phrase.find(' ', b);
    if (e == std::string::npos) e = phrase.size();
    words.push_back(phrase.substr(b, e - b));
    b = e + 1;
  }
  // the first and the last word of 3+ letters are inflected (verbs lead or end a cue phrase)
  std::size_t first = words.size(), last = words.size();
  for (std::size_t i = 0; i < words.size(); ++i)
    if (is_alpha_word(words[i])) {
      if (first == words.size()) first = i;
      last = i;
    }
  std::vector<std::string> out{""};
  for (std::size_t i = 0; i < words.size(); ++i) {
    const bool inflect = (i == first || i == last) && !(star && i + 1 == words.size());
    std::vector<std::string> forms = inflect ? inflections(words[i]) : std::vector<std::string>{words[i]};
    if (out.size() * forms.size() > cap) forms.resize(1);
    std::vector<std::string> next;
    for (const auto& o : out)
      for (const auto& f : forms) next.push_back(o.empty() && i == 0 ? f : o + " " + f);
    out.swap(next);
  }
  return out;
}

// One loaded dictionary per path, shared by every matcher (loading takes about a second).
template <class T, class Loader>
std::shared_ptr<const T> cached(const std::string& key, Loader load) {
  static std::mutex mu;
  static std::map<std::string, std::weak_ptr<const T>> cache;
  std::lock_guard<std::mutex> lock(mu);
  if (auto p = cache[key].lock()) return p;
  auto p = load();
  cache[key] = p;
  return p;
}

inline bool is_cjk_lead(unsigned char c) {
  return c >= 0xE3 && c <= 0xE9;  // U+3000-U+9FFF: where jieba's han characters live
}
}  // namespace

struct CueMatcher::Impl {
  Lexicon lex;
  std::vector<Pattern> patterns;
  std::vector<int> phrase_pattern;  // phrase id -> pattern (cue patterns only)
  std::vector<int> pattern_phrase;  // pattern -> phrase id, -1 for negators/breaks
  std::uint8_t cls[256] = {};
  int n_classes = 1;
  std::vector<std::uint32_t> delta;    // n_dense states x classes: the complete transitions
  std::vector<std::uint16_t> delta16;  // the same table when every state is dense and its id fits 16 bits
  std::size_t n_dense = 0;             // states [0, n_dense) (breadth-first ids) have a row in delta
  // deeper states: trie edges (class-sorted, CSR by state) and the failure link
  std::vector<std::uint32_t> child_begin;
  std::vector<std::uint8_t> edge_cls;
  std::vector<std::uint32_t> edge_to;
  std::vector<std::uint32_t> fail;
  // cells of the dense table (4 bytes each): 16 MB, the shallow states of a large lexicon
  static constexpr std::size_t kDenseCells = std::size_t{1} << 22;
  std::vector<std::int32_t> out_head;  // state -> first pattern ending here (own or via suffix), -1
  std::vector<std::int32_t> out_next;  // pattern -> next pattern in its state's output chain
  std::vector<std::int32_t> neg_to;    // cue -> negated_to cue or -1
  std::vector<std::uint8_t> negatable;
  std::vector<std::uint8_t> actor;               // cue -> kStaff or kCustomer
  std::vector<std::uint8_t> experience;          // cue -> 1 when a first-person subject is ignored
  std::shared_ptr<const detail::Segmenter> seg;  // with the lexicon's Chinese phrases added
  std::shared_ptr<const detail::TSFolder> ts;
  std::unordered_map<std::string, int> pattern_index;  // (text, kind, right) -> pattern, while building
  bool has_context = false;                            // any context role in the lexicon
  std::vector<Gapped> gapped;

  void normalize(const char* p, std::size_t n, std::string& out, std::string& tmp, std::ptrdiff_t& bad) const {
    bool trad = false;
    bad = normalize_into(p, n, lex.fold_case, lex.fold_width, out, ts.get(), &trad);
    if (trad) {
      ts->fold(out, tmp);
      out.swap(tmp);
    }
  }

  // The jieba cut of the han run around a hit, kept while the next hits fall in the same run.
  struct SegCache {
    std::size_t l = 0, r = 0;
    bool valid = false;
    std::vector<std::uint32_t> ends;
  };

  // Do a hit's start and end fall on jieba word boundaries? Only the run of han characters
  // around the hit is cut (at most `reach` bytes to each side), so the cost follows the hits.
  bool on_word_boundaries(const std::string& t, std::size_t s, std::size_t e, SegCache& c) const {
    const auto* p = reinterpret_cast<const unsigned char*>(t.data());
    int len = 1;
    // an edge needs the cut only where a CJK character touches it on a side and han goes on
    auto needs = [&](std::size_t x) {
      if (x == 0 || x >= t.size()) return false;
      if (p[x] < 0x80 && p[x - 1] < 0x80) return false;  // ASCII on both sides: the ASCII rule applies
      std::size_t k = x - 1;
      while (k > 0 && (p[k] & 0xC0) == 0x80) --k;
      return detail::jieba_han(p + x, t.size() - x, len) && detail::jieba_han(p + k, t.size() - k, len);
    };
    const bool ns = needs(s), ne = needs(e);
    if (!ns && !ne) return true;
    constexpr std::size_t reach = 72;
    std::size_t l = s;
    while (l > 0 && s - l < reach) {
      std::size_t k = l - 1;
      while (k > 0 && (p[k] & 0xC0) == 0x80) --k;
      if (!detail::jieba_han(p + k, t.size() - k, len)) break;
      l = k;
    }
    std::size_t r = e;
    while (r < t.size() && r - e < reach) {
      if (!detail::jieba_han(p + r, t.size() - r, len)) break;
      r += static_cast<std::size_t>(len);
    }
    if (!(c.valid && c.l == l && c.r == r)) {
      seg->cut_block(std::string_view(t).substr(l, r - l), c.ends);
      c.l = l;
      c.r = r;
      c.valid = true;
    }
    auto on = [&](std::size_t x) {
      return std::binary_search(c.ends.begin(), c.ends.end(), static_cast<std::uint32_t>(x - l));
    };
    return (!ns || on(s)) && (!ne || on(e));
  }

  // Words in t[a, b): runs of ASCII letters and digits, and the jieba words of each run of
  // Chinese characters (one word per character without jieba); counting stops above `limit`.
  int count_words(const std::string& t, std::size_t a, std::size_t b, int limit, std::vector<std::uint32_t>& scratch,
                  const SegCache* cached = nullptr) const {
    if (b <= a) return 0;
    if (b - a > static_cast<std::size_t>(limit + 1) * 64) return limit + 1;
    const auto* p = reinterpret_cast<const unsigned char*>(t.data());
    int n = 0;
    std::size_t i = a;
    while (i < b && n <= limit) {
      const unsigned char c = p[i];
      if (c < 0x80) {
        if (is_word(c)) {
          ++n;
          while (i < b && p[i] < 0x80 && is_word(p[i])) ++i;
        } else {
          ++i;
        }
        continue;
      }
      int len = 1;
      if (detail::jieba_han(p + i, b - i, len)) {
        std::size_t j = i;
        int chars = 0;
        while (j < b && p[j] >= 0x80 && detail::jieba_han(p + j, b - j, len)) {
          j += static_cast<std::size_t>(len);
          ++chars;
        }
        if (seg && cached && cached->valid && cached->l < i && j < cached->r) {
          // inside the cut already made around a hit: the words ending in (i, j], plus a word
          // running on past j
          const auto lo = static_cast<std::uint32_t>(i - cached->l), hi = static_cast<std::uint32_t>(j - cached->l);
          auto e0 = std::upper_bound(cached->ends.begin(), cached->ends.end(), lo);
          auto e1 = std::upper_bound(cached->ends.begin(), cached->ends.end(), hi);
          n += static_cast<int>(e1 - e0) + (std::binary_search(cached->ends.begin(), cached->ends.end(), hi) ? 0 : 1);
        } else if (seg) {
          seg->cut_block(std::string_view(t).substr(i, j - i), scratch);
          n += static_cast<int>(scratch.size());
        } else {
          n += chars;
        }
        i = j;
      } else {
        i += static_cast<std::size_t>(std::max(len, 1));
      }
    }
    return n;
  }

  // Where a role word (t[s, e)) makes a speaker marker: the end of "role [(name)] :" or
  // "role - " when the role starts a turn (text start, after a space or punctuation), else -1.
  std::int32_t role_marker_end(const std::string& t, std::int32_t s, std::int32_t e) const {
    const auto* p = reinterpret_cast<const unsigned char*>(t.data());
    const std::size_t n = t.size();
    if (s > 0) {
      const unsigned char c = p[s - 1];
      if (c < 0x80) {
        if (is_word(c)) return -1;
      } else {
        std::size_t k = static_cast<std::size_t>(s) - 1;
        while (k > 0 && is_cont(p[k])) --k;
        int len = 1;
        if (detail::jieba_han(p + k, n - k, len)) return -1;  // inside a Chinese sentence
      }
    }
    std::size_t j = static_cast<std::size_t>(e);
    bool space = false;
    auto skip_spaces = [&] {
      while (j < n && p[j] == ' ') {
        ++j;
        space = true;
      }
    };
    auto at = [&](const char* lit) { return t.compare(j, std::strlen(lit), lit) == 0; };
    skip_spaces();
    if (j < n && (at("(") || at("\xEF\xBC\x88"))) {  // a name in parentheses: "Agent (Mia):"
      std::size_t c = t.find(')', j), c2 = t.find("\xEF\xBC\x89", j);
      std::size_t close = std::min(c, c2);
      if (close == std::string::npos || close - j > 48) return -1;
      j = close + (close == c ? 1 : 3);
      skip_spaces();
    }
    if (j < n && p[j] == ':') return static_cast<std::int32_t>(j + 1);
    if (at("\xEF\xBC\x9A")) return static_cast<std::int32_t>(j + 3);  // full-width colon, width folding off
    if (j + 1 < n && p[j] == '-' && space && p[j + 1] == ' ') return static_cast<std::int32_t>(j + 1);
    return -1;
  }

  void add_pattern(std::string text, std::uint8_t kind, int cue, bool star) {
    bool right = !star && !text.empty() && is_word(static_cast<unsigned char>(text.back()));
    bool left = !text.empty() && is_word(static_cast<unsigned char>(text.front()));
    std::string key = text;
    key.push_back('\0');
    if (kind == kPseudo) {  // a cue phrase of the same text already covers its negator
      key.push_back(static_cast<char>(kCue * 2 + (right ? 1 : 0)));
      if (pattern_index.count(key)) return;
      key.pop_back();
    }
    key.push_back(static_cast<char>(kind * 2 + (right ? 1 : 0)));
    auto [it, fresh] = pattern_index.emplace(std::move(key), static_cast<int>(patterns.size()));
    if (!fresh) {
      auto& p = patterns[static_cast<std::size_t>(it->second)];
      if (cue >= 0 && std::find(p.cues.begin(), p.cues.end(), cue) == p.cues.end()) p.cues.push_back(cue);
      return;
    }
    Pattern p;
    p.text = std::move(text);
    p.kind = kind;
    p.left = left;
    p.right = right;
    if (cue >= 0) p.cues.push_back(cue);
    patterns.push_back(std::move(p));
  }

  // A context role for a phrase: added to the pattern of the same text if there is one (an
  // automaton state emits one pattern), else a kCtx pattern.
  void add_context(std::string text, std::uint32_t role) {
    if (text.empty()) return;
    const bool right = is_word(static_cast<unsigned char>(text.back()));
    std::string key = text;
    key.push_back('\0');
    for (int kind = kCue; kind <= kCtx; ++kind) {
      key.push_back(static_cast<char>(kind * 2 + (right ? 1 : 0)));
      auto it = pattern_index.find(key);
      key.pop_back();
      if (it != pattern_index.end()) {
        patterns[static_cast<std::size_t>(it->second)].ctx |= role;
        return;
      }
    }
    add_pattern(text, kCtx, -1, false);
    patterns.back().ctx |= role;
  }

  std::string norm_phrase(const std::string& ph, bool& star) const {
    star = !ph.empty() && ph.back() == '*';
    std::string body = star ? ph.substr(0, ph.size() - 1) : ph, out, tmp;
    std::ptrdiff_t bad = 0;
    normalize(body.data(), body.size(), out, tmp, bad);
    return trim_spaces(out);
  }

  void add_cue_phrase(const std::string& ph, bool en, int c) {
    bool star = false;
    std::string text = norm_phrase(ph, star);  // sets star: keep out of the call's arguments
    if (lex.inflect && en)
      for (auto& v : phrase_variants(text, star)) add_pattern(std::move(v), kCue, c, star);
    else
      add_pattern(std::move(text), kCue, c, star);
  }

  struct PendingPart {
    std::string text;
    bool en;
    std::int32_t gapped, part;
  };

  // A gapped phrase: a kCue pattern outside the automaton; its parts are added later.
  void add_gapped(const std::string& ph, bool en, int c, std::vector<PendingPart>& pending) {
    std::string label, tmp;
    std::ptrdiff_t bad = 0;
    normalize(ph.data(), ph.size(), label, tmp, bad);
    label = trim_spaces(label);
    std::string key = label;
    key.push_back('\0');
    key.push_back(static_cast<char>(kCue * 2));
    auto [it, fresh] = pattern_index.emplace(std::move(key), static_cast<int>(patterns.size()));
    if (!fresh) {  // the same gapped phrase in another cue
      auto& cues = patterns[static_cast<std::size_t>(it->second)].cues;
      if (std::find(cues.begin(), cues.end(), c) == cues.end()) cues.push_back(c);
      return;
    }
    Gapped g;
    g.pattern = static_cast<std::int32_t>(patterns.size());
    const auto gid = static_cast<std::int32_t>(gapped.size());
    for (std::size_t k = 0; k < phrase_parts.size(); ++k) {
      g.gap.push_back(phrase_parts[k].gap >= 0 ? phrase_parts[k].gap : lex.gap_words);
      for (const auto& alt : phrase_parts[k].alts) pending.push_back({alt, en, gid, static_cast<std::int32_t>(k)});
    }
    Pattern p;
    p.text = std::move(label);
    p.kind = kCue;
    p.gapped = gid;
    p.cues.push_back(c);
    patterns.push_back(std::move(p));
    gapped.push_back(std::move(g));
  }

  // A part joins the pattern of the same text (an automaton state emits one pattern), else a kPart pattern.
  void add_part(std::string text, bool star, std::int32_t gid, std::int32_t part) {
    if (text.empty()) return;
    const bool right = !star && is_word(static_cast<unsigned char>(text.back()));
    std::string key = text;
    key.push_back('\0');
    int found = -1;
    for (int kind = kCue; kind <= kPart && found < 0; ++kind) {
      key.push_back(static_cast<char>(kind * 2 + (right ? 1 : 0)));
      auto it = pattern_index.find(key);
      key.pop_back();
      if (it != pattern_index.end() && patterns[static_cast<std::size_t>(it->second)].gapped < 0) found = it->second;
    }
    if (found < 0) {
      found = static_cast<int>(patterns.size());
      add_pattern(std::move(text), kPart, -1, star);
    }
    auto& parts = patterns[static_cast<std::size_t>(found)].parts;
    const std::pair<std::int32_t, std::int32_t> gp{gid, part};
    if (std::find(parts.begin(), parts.end(), gp) == parts.end()) parts.push_back(gp);
  }

  std::vector<PhrasePart> phrase_parts;  // scratch of build()

  void build() {
    lex.validate();
    std::vector<PendingPart> pending_parts;
    // lookups by hash: linear scans per cue made compiling quadratic in the lexicon's size
    std::unordered_map<std::string_view, int> cue_index;
    cue_index.reserve(lex.cues.size());
    for (std::size_t c = 0; c < lex.cues.size(); ++c) cue_index.emplace(lex.cues[c].name, static_cast<int>(c));
    const std::unordered_set<std::string_view> experience_set(lex.experience_cues.begin(), lex.experience_cues.end());
    pattern_index.reserve(lex.cues.size() * 2);
    for (std::size_t c = 0; c < lex.cues.size(); ++c) {
      const auto& cue = lex.cues[c];
      neg_to.push_back(cue.negated_to.empty() ? -1 : cue_index.at(cue.negated_to));  // validated: present
      negatable.push_back(cue.negatable ? 1 : 0);
      actor.push_back(cue.actor == "customer" ? kCustomer : cue.actor == "any" ? 0 : kStaff);
      experience.push_back(experience_set.count(cue.name) != 0 ? 1 : 0);
      for (const auto& lp : cue.phrases)
        if (lang_used(lex, lp.lang))
          for (const auto& ph : lp.phrases) {
            const bool en = lp.lang.empty() || lp.lang == "en";
            parse_phrase(ph, phrase_parts);  // validated: no error
            if (phrase_parts.size() == 1) {
              for (const auto& alt : phrase_parts[0].alts) add_cue_phrase(alt, en, static_cast<int>(c));
            } else {
              add_gapped(ph, en, static_cast<int>(c), pending_parts);
            }
          }
    }
    for (auto [list, kind] : {std::pair{&lex.negators, kNegator},
                              {&lex.clause_breaks, kBreak},
                              {&lex.terminators, kBreak},
                              {&lex.pseudo_negators, kPseudo},
                              {&lex.staff_markers, kStaff},
                              {&lex.customer_markers, kCustomer}})
      for (const auto& lp : *list)
        if (lang_used(lex, lp.lang))
          for (const auto& ph : lp.phrases) {
            bool star = false;
            std::string text = norm_phrase(ph, star);
            add_pattern(std::move(text), kind, -1, star);
          }
    for (auto [list, role] : {std::pair{&lex.post_negators, kCtxPost},
                              {&lex.hypotheticals, kCtxHypo},
                              {&lex.sentence_breaks, kCtxSentence},
                              {&lex.reporting_verbs, kCtxReport},
                              {&lex.staff_subjects, kCtxSubjStaff},
                              {&lex.customer_subjects, kCtxSubjCustomer},
                              {&lex.self_subjects, kCtxSubjSelf},
                              {&lex.other_subjects, kCtxSubjOther},
                              {&lex.non_subjects, kCtxNonSubj},
                              {&lex.staff_roles, kCtxRoleStaff},
                              {&lex.customer_roles, kCtxRoleCustomer},
                              {&lex.terminators, kCtxTerminator}})
      for (const auto& lp : *list)
        if (lang_used(lex, lp.lang))
          for (const auto& ph : lp.phrases) {
            bool star = false;
            std::string text = norm_phrase(ph, star);
            add_context(std::move(text), role);
          }
    for (const auto& q : lex.quote_marks) {
      bool star = false;
      std::string text = norm_phrase(q, star);
      // the two characters of the normalised pair
      std::size_t split = 1;
      while (split < text.size() && is_cont(static_cast<unsigned char>(text[split]))) ++split;
      std::string open = text.substr(0, split), close = text.substr(split);
      if (open.empty() || close.empty()) continue;
      add_context(open, kCtxQuoteOpen);
      add_context(close, kCtxQuoteClose);
    }
    // parts of gapped phrases last: they join the pattern of the same text, whatever its kind
    for (const auto& pp : pending_parts) {
      bool star = false;
      std::string text = norm_phrase(pp.text, star);
      if (lex.inflect && pp.en)
        for (auto& v : phrase_variants(text, star)) add_part(std::move(v), star, pp.gapped, pp.part);
      else
        add_part(std::move(text), star, pp.gapped, pp.part);
    }
    // terminators alone are the old rules (they end negation as clause breaks)
    has_context = std::any_of(patterns.begin(), patterns.end(), [](const Pattern& p) {
      return (p.ctx & ~static_cast<std::uint32_t>(kCtxTerminator)) != 0;
    });
    // Phrases are numbered in pattern order (the cue patterns only).
    pattern_phrase.assign(patterns.size(), -1);
    for (std::size_t i = 0; i < patterns.size(); ++i)
      if (patterns[i].kind == kCue) {
        pattern_phrase[i] = static_cast<int>(phrase_pattern.size());
        phrase_pattern.push_back(static_cast<int>(i));
      }
    // Byte classes: every byte used by a pattern gets its own class; the rest share class 0.
    std::memset(cls, 0, sizeof cls);
    n_classes = 1;
    for (const auto& p : patterns)
      if (p.gapped < 0)
        for (unsigned char b : p.text)
          if (cls[b] == 0) cls[b] = static_cast<std::uint8_t>(n_classes++);
    // Trie, built from the pattern texts in sorted order (each text shares its longest common
    // prefix with the one before), so that no per-state table is needed while building: a
    // dictionary of 300k phrases makes over a million states, and states x classes tables
    // of the trie, the DFA and its renumbered copy took 2 GB at once.
    std::vector<std::int32_t> order;
    for (std::size_t i = 0; i < patterns.size(); ++i)
      if (patterns[i].gapped < 0) order.push_back(static_cast<std::int32_t>(i));  // gapped: matched from parts
    std::stable_sort(order.begin(), order.end(), [&](std::int32_t x, std::int32_t y) {
      return patterns[static_cast<std::size_t>(x)].text < patterns[static_cast<std::size_t>(y)].text;
    });
    std::vector<std::int32_t> parent(1, -1), own(1, -1);
    std::vector<std::uint8_t> via(1, 0);   // the class of the edge into a state
    std::vector<std::int32_t> path(1, 0);  // path[d]: the state at depth d of the previous text
    const std::string* prev = nullptr;
    for (std::int32_t pi : order) {
      const std::string& text = patterns[static_cast<std::size_t>(pi)].text;
      std::size_t l = 0;
      if (prev != nullptr)
        while (l < text.size() && l < prev->size() && text[l] == (*prev)[l]) ++l;
      path.resize(l + 1);
      for (std::size_t d = l; d < text.size(); ++d) {
        const auto id = static_cast<std::int32_t>(parent.size());
        parent.push_back(path[d]);
        via.push_back(cls[static_cast<unsigned char>(text[d])]);
        own.push_back(-1);
        path.push_back(id);
      }
      own[static_cast<std::size_t>(path[text.size()])] = pi;  // equal texts: the last pattern, as before
      prev = &text;
    }
    const std::size_t n = parent.size(), nc = static_cast<std::size_t>(n_classes);
    // Breadth-first numbering: the shallow states, where a scan spends most of its time, first
    // (they share cache lines and pages; the dense rows below are theirs). A parent's children
    // are numbered in class order; children of one parent are contiguous.
    std::vector<std::uint32_t> n_children(n, 0);
    for (std::size_t v = 1; v < n; ++v) ++n_children[static_cast<std::size_t>(parent[v])];
    std::vector<std::uint32_t> first_child(n + 1, 0);  // by old id, into `kids`
    for (std::size_t v = 0; v < n; ++v) first_child[v + 1] = first_child[v] + n_children[v];
    std::vector<std::int32_t> kids(n > 0 ? n - 1 : 0);
    {
      std::vector<std::uint32_t> fill(first_child.begin(), first_child.end() - 1);
      for (std::size_t v = 1; v < n; ++v)
        kids[fill[static_cast<std::size_t>(parent[v])]++] = static_cast<std::int32_t>(v);
    }
    for (std::size_t v = 0; v < n; ++v)  // class order (sorted texts give byte order, not class order)
      std::sort(kids.begin() + first_child[v], kids.begin() + first_child[v + 1], [&](std::int32_t x, std::int32_t y) {
        return via[static_cast<std::size_t>(x)] < via[static_cast<std::size_t>(y)];
      });
    std::vector<std::int32_t> bfs{0};  // new id -> old id
    bfs.reserve(n);
    for (std::size_t k = 0; k < bfs.size(); ++k) {
      const auto v = static_cast<std::size_t>(bfs[k]);
      for (std::uint32_t j = first_child[v]; j < first_child[v + 1]; ++j) bfs.push_back(kids[j]);
    }
    std::vector<std::uint32_t> new_id(n);
    for (std::size_t k = 0; k < n; ++k) new_id[static_cast<std::size_t>(bfs[k])] = static_cast<std::uint32_t>(k);
    // Children in new ids (CSR, class-sorted): state k's edges are edge_cls / edge_to[child_begin[k] ..).
    child_begin.assign(n + 1, 0);
    edge_cls.assign(n > 0 ? n - 1 : 0, 0);
    edge_to.assign(n > 0 ? n - 1 : 0, 0);
    {
      std::uint32_t e = 0;
      for (std::size_t k = 0; k < n; ++k) {
        child_begin[k] = e;
        const auto v = static_cast<std::size_t>(bfs[k]);
        for (std::uint32_t j = first_child[v]; j < first_child[v + 1]; ++j) {
          edge_cls[e] = via[static_cast<std::size_t>(kids[j])];
          edge_to[e] = new_id[static_cast<std::size_t>(kids[j])];
          ++e;
        }
      }
      child_begin[n] = e;
    }
    std::vector<std::int32_t> own2(n);
    for (std::size_t k = 0; k < n; ++k) own2[k] = own[static_cast<std::size_t>(bfs[k])];
    own.swap(own2);
    std::vector<std::int32_t>().swap(parent);
    std::vector<std::int32_t>().swap(kids);
    std::vector<std::uint32_t>().swap(first_child);
    std::vector<std::uint8_t>().swap(via);
    // The complete transition table for the first n_dense states (all of them when the table
    // is small, as for a lexicon of a few thousand phrases); deeper states keep their trie
    // edges and a failure link, so the memory follows the phrases, not phrases x classes.
    n_dense = (n <= 65536 || n * nc <= kDenseCells) ? n : std::max<std::size_t>(1, kDenseCells / nc);
    fail.assign(n, 0);
    delta.assign(n_dense * nc, 0);
    out_head.assign(n, -1);
    std::vector<std::int32_t> dict(n, -1);  // nearest state on the suffix chain with an own pattern
    // BFS order is new-id order: a state's failure state is shallower, hence numbered before it.
    for (std::size_t s = 0; s < n; ++s) {
      const std::uint32_t f = fail[s];
      if (s > 0) dict[s] = own[f] >= 0 ? static_cast<std::int32_t>(f) : dict[f];
      for (std::uint32_t e = child_begin[s]; e < child_begin[s + 1]; ++e)
        fail[edge_to[e]] = s == 0 ? 0 : static_cast<std::uint32_t>(next_state(f, edge_cls[e]));
      if (s < n_dense) {
        std::uint32_t* row = delta.data() + s * nc;
        if (s == 0)
          std::fill(row, row + nc, 0u);
        else
          for (std::size_t c = 0; c < nc; ++c)
            row[c] = static_cast<std::uint32_t>(next_state(f, static_cast<std::uint8_t>(c)));
        for (std::uint32_t e = child_begin[s]; e < child_begin[s + 1]; ++e) row[edge_cls[e]] = edge_to[e];
      }
    }
    // Output chains: a state's own pattern first, then its dictionary suffix's chain (the
    // suffix is shallower: done before).
    out_next.assign(patterns.size(), -1);
    for (std::size_t s = 0; s < n; ++s) {
      const std::int32_t tail = dict[s] >= 0 ? out_head[static_cast<std::size_t>(dict[s])] : -1;
      if (own[s] >= 0) out_next[static_cast<std::size_t>(own[s])] = tail;
      out_head[s] = own[s] >= 0 ? own[s] : tail;
    }
    if (n_dense == n) {  // every state dense: no edges or failure links are needed to scan
      std::vector<std::uint32_t>().swap(child_begin);
      std::vector<std::uint8_t>().swap(edge_cls);
      std::vector<std::uint32_t>().swap(edge_to);
      std::vector<std::uint32_t>().swap(fail);
      if (n <= 65536) {
        delta16.assign(delta.begin(), delta.end());
        std::vector<std::uint32_t>().swap(delta);
      }
    }
  }

  // The transition of state s on byte class c: a dense row, or the trie edges of s and its
  // failure chain down to a dense state.
  std::size_t next_state(std::size_t s, std::uint8_t c) const {
    while (s >= n_dense) {
      const std::uint32_t b = child_begin[s], e = child_begin[s + 1];
      for (std::uint32_t k = b; k < e; ++k)
        if (edge_cls[k] == c) return edge_to[k];
      s = fail[s];
    }
    return delta[s * static_cast<std::size_t>(n_classes) + c];
  }

  // Scan one normalised text; appends the raw hits (boundaries checked).
  void scan(const std::string& t, std::vector<Hit>& hits) const {
    if (!delta16.empty())
      scan_with(delta16.data(), t, hits);
    else if (n_dense == out_head.size())
      scan_with(delta.data(), t, hits);
    else
      scan_sparse(t, hits);
  }

  // The scan of an automaton with sparse deep states (next_state).
  void scan_sparse(const std::string& t, std::vector<Hit>& hits) const {
    const auto* p = reinterpret_cast<const unsigned char*>(t.data());
    const std::size_t n = t.size();
    const std::int32_t* oh = out_head.data();
    std::size_t s = 0;
    for (std::size_t i = 0; i < n; ++i) {
      s = next_state(s, cls[p[i]]);
      if (oh[s] >= 0) emit(p, n, i, oh[s], hits);
    }
  }

  // The transition table is the working set of the scan: 16-bit state ids halve it when
  // the automaton is small enough (default lexicon: ~3,500 states).
  template <class State>
  void scan_with(const State* d, const std::string& t, std::vector<Hit>& hits) const {
    const auto* p = reinterpret_cast<const unsigned char*>(t.data());
    const std::size_t n = t.size(), nc = static_cast<std::size_t>(n_classes);
    const std::int32_t* oh = out_head.data();
    std::size_t s = 0;
    for (std::size_t i = 0; i < n; ++i) {
      s = d[s * nc + cls[p[i]]];
      if (oh[s] >= 0) emit(p, n, i, oh[s], hits);
    }
  }

  // The patterns ending at byte i (the output chain from `k`), word boundaries checked.
  void emit(const unsigned char* p, std::size_t n, std::size_t i, std::int32_t k, std::vector<Hit>& hits) const {
    while (k >= 0) {
      const Pattern& pat = patterns[static_cast<std::size_t>(k)];
      const std::size_t end = i + 1, start = end - pat.text.size();
      const bool ok_left = !pat.left || start == 0 || !is_word(p[start - 1]);
      const bool ok_right = !pat.right || end == n || !is_word(p[end]);
      if (ok_left && ok_right) hits.push_back({static_cast<std::int32_t>(start), static_cast<std::int32_t>(end), k});
      k = out_next[static_cast<std::size_t>(k)];
    }
  }

  // The hits of gapped phrases from their parts' hits (boundaries checked): for each phrase, each
  // hit of its first part starting after the previous match, the nearest hit of each next part
  // starting at or after the end of the part before, with at most `gap` words and no clause break,
  // terminator, marker or sentence break between them. Matches of one phrase do not overlap.
  void assemble_gapped(const std::string& t, const std::vector<Hit>& part_hits, const std::vector<Hit>& ctx_hits,
                       const std::vector<std::pair<std::int32_t, std::int32_t>>& breaks, std::vector<PartHit>& found,
                       std::vector<std::pair<std::int32_t, std::int32_t>>& stops, std::vector<std::uint32_t>& scratch,
                       const SegCache& cache, std::vector<Hit>& out) const {
    found.clear();
    for (const Hit& h : part_hits)
      for (const auto& [g, k] : patterns[static_cast<std::size_t>(h.pat)].parts)
        found.push_back({g, k, h.start, h.end});
    std::sort(found.begin(), found.end(), [](const PartHit& a, const PartHit& c) {
      return std::tie(a.gapped, a.part, a.start, a.end) < std::tie(c.gapped, c.part, c.start, c.end);
    });
    stops.clear();
    bool sorted_stops = false;
    // is there an element (end, start) of v inside [a, b]?
    auto blocked = [](const std::vector<std::pair<std::int32_t, std::int32_t>>& v, std::int32_t a, std::int32_t b) {
      auto it = std::lower_bound(v.begin(), v.end(), std::pair{a, std::numeric_limits<std::int32_t>::min()});
      for (; it != v.end() && it->first <= b; ++it)
        if (it->second >= a) return true;
      return false;
    };
    for (std::size_t i = 0; i < found.size();) {
      const std::int32_t g = found[i].gapped;
      std::size_t j = i;
      while (j < found.size() && found[j].gapped == g) ++j;
      const Gapped& gp = gapped[static_cast<std::size_t>(g)];
      const auto np = gp.gap.size();
      std::size_t run[kMaxGapParts + 1];  // run[k]: first index of part k in [i, j)
      std::size_t x = i;
      bool all = true;
      for (std::size_t k = 0; k <= np; ++k) {
        while (x < j && static_cast<std::size_t>(found[x].part) < k) ++x;
        run[k] = x;
        if (k > 0 && run[k] == run[k - 1]) all = false;
      }
      if (all && !sorted_stops) {  // sentence breaks that are not clause breaks ("…")
        for (const Hit& h : ctx_hits)
          if (patterns[static_cast<std::size_t>(h.pat)].ctx & kCtxSentence) stops.emplace_back(h.end, h.start);
        std::sort(stops.begin(), stops.end());
        sorted_stops = true;
      }
      std::int32_t last_end = -1;
      for (std::size_t a = run[0]; all && a < run[1]; ++a) {
        if (found[a].start < last_end) continue;
        std::int32_t cur = found[a].end;
        bool ok = true;
        for (std::size_t k = 1; k < np && ok; ++k) {
          auto it = std::lower_bound(found.begin() + static_cast<std::ptrdiff_t>(run[k]),
                                     found.begin() + static_cast<std::ptrdiff_t>(run[k + 1]), cur,
                                     [](const PartHit& ph, std::int32_t v) { return ph.start < v; });
          ok = it != found.begin() + static_cast<std::ptrdiff_t>(run[k + 1]) && !blocked(breaks, cur, it->start) &&
               !blocked(stops, cur, it->start) &&
               count_words(t, static_cast<std::size_t>(cur), static_cast<std::size_t>(it->start), gp.gap[k], scratch,
                           &cache) <= gp.gap[k];
          if (ok) cur = it->end;
        }
        if (ok) {
          out.push_back({found[a].start, cur, gp.pattern});
          last_end = cur;
        }
      }
      i = j;
    }
  }

  static constexpr int kLanes = 4;

  // Scan up to kLanes texts at once: each byte of a text depends on the previous state (a
  // chain of table loads), so four independent chains keep four loads in flight.
  void scan_lanes(const std::string* t, std::vector<Hit>* hits, int lanes) const {
    if (!delta16.empty())
      scan_lanes_with(delta16.data(), t, hits, lanes);
    else if (n_dense == out_head.size())
      scan_lanes_with(delta.data(), t, hits, lanes);
    else
      for (int k = 0; k < lanes; ++k) scan_sparse(t[k], hits[k]);
  }

  template <class State>
  void scan_lanes_with(const State* d, const std::string* t, std::vector<Hit>* hits, int lanes) const {
    if (lanes < kLanes) {
      for (int k = 0; k < lanes; ++k) scan_with(d, t[k], hits[k]);
      return;
    }
    const std::size_t nc = static_cast<std::size_t>(n_classes);
    const std::int32_t* oh = out_head.data();
    const unsigned char* p[kLanes];
    std::size_t n[kLanes];
    std::size_t common = std::numeric_limits<std::size_t>::max();
    for (int k = 0; k < kLanes; ++k) {
      p[k] = reinterpret_cast<const unsigned char*>(t[k].data());
      n[k] = t[k].size();
      common = std::min(common, n[k]);
    }
    std::size_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (std::size_t i = 0; i < common; ++i) {
      s0 = d[s0 * nc + cls[p[0][i]]];
      s1 = d[s1 * nc + cls[p[1][i]]];
      s2 = d[s2 * nc + cls[p[2][i]]];
      s3 = d[s3 * nc + cls[p[3][i]]];
      if ((oh[s0] & oh[s1] & oh[s2] & oh[s3]) >= 0) {  // "no output" is -1: the AND is >= 0 when any lane has one
        if (oh[s0] >= 0) emit(p[0], n[0], i, oh[s0], hits[0]);
        if (oh[s1] >= 0) emit(p[1], n[1], i, oh[s1], hits[1]);
        if (oh[s2] >= 0) emit(p[2], n[2], i, oh[s2], hits[2]);
        if (oh[s3] >= 0) emit(p[3], n[3], i, oh[s3], hits[3]);
      }
    }
    const std::size_t st[kLanes] = {s0, s1, s2, s3};
    for (int k = 0; k < kLanes; ++k) {
      std::size_t s = st[k];
      for (std::size_t i = common; i < n[k]; ++i) {
        s = d[s * nc + cls[p[k][i]]];
        if (oh[s] >= 0) emit(p[k], n[k], i, oh[s], hits[k]);
      }
    }
  }
};

CueMatcher::CueMatcher(Lexicon lexicon, TextResources resources) : impl_(std::make_unique<Impl>()) {
  impl_->lex = std::move(lexicon);
  if (resources.ts_characters.empty() != resources.ts_phrases.empty())
    throw config_error("resources: ts_characters and ts_phrases go together; got only one of them");
  if (!resources.ts_characters.empty())
    impl_->ts = cached<detail::TSFolder>(resources.ts_characters + "\n" + resources.ts_phrases, [&] {
      return detail::TSFolder::load(resources.ts_characters, resources.ts_phrases);
    });
  impl_->build();
  if (!resources.jieba_dict.empty()) {
    auto base =
        cached<detail::Segmenter>(resources.jieba_dict, [&] { return detail::Segmenter::load(resources.jieba_dict); });
    // the lexicon's Chinese phrases are words (jieba's add_word), so a phrase is not cut inside
    std::vector<std::string> words;
    for (const auto& p : impl_->patterns) {
      if (p.text.empty() || !is_cjk_lead(static_cast<unsigned char>(p.text[0])) || p.gapped >= 0) continue;
      // cue phrases only: parts of gapped phrases are not words (a part such as 也没 would hide its negator)
      if (p.kind == kCue) words.push_back(p.text);
    }
    impl_->seg = base->with_words(words);
  }
}

std::vector<std::string> CueMatcher::segment(std::string_view text) const {
  if (!impl_->seg) throw config_error("segment: the matcher has no jieba dictionary (TextResources::jieba_dict)");
  return impl_->seg->cut(text);
}
CueMatcher::~CueMatcher() = default;
CueMatcher::CueMatcher(CueMatcher&&) noexcept = default;
CueMatcher& CueMatcher::operator=(CueMatcher&&) noexcept = default;

const Lexicon& CueMatcher::lexicon() const {
  return impl_->lex;
}
std::size_t CueMatcher::n_phrases() const {
  return impl_->phrase_pattern.size();
}
const std::string& CueMatcher::phrase(int id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= impl_->phrase_pattern.size())
    throw input_error("phrase id " + std::to_string(id) + " out of range [0, " +
                      std::to_string(impl_->phrase_pattern.size()) + ")");
  return impl_->patterns[static_cast<std::size_t>(impl_->phrase_pattern[static_cast<std::size_t>(id)])].text;
}
std::size_t CueMatcher::n_states() const {
  return impl_->out_head.size();
}

std::string CueMatcher::normalize(std::string_view text) const {
  std::string out;
  std::string tmp;
  std::ptrdiff_t bad = 0;
  impl_->normalize(text.data(), text.size(), out, tmp, bad);
  return out;
}

namespace {
using Span = std::pair<std::int32_t, std::int32_t>;

// Is there an element (end, start) of `v` (sorted by end) inside [a, b]?
bool any_between(const std::vector<Span>& v, std::int32_t a, std::int32_t b) {
  auto it = std::lower_bound(v.begin(), v.end(), Span{a, std::numeric_limits<std::int32_t>::min()});
  for (; it != v.end() && it->first <= b; ++it)
    if (it->second >= a) return true;
  return false;
}

// The end of the latest element (end, start) of `v` ending at or before x, or 0.
std::int32_t latest_end(const std::vector<Span>& v, std::int32_t x) {
  auto it = std::upper_bound(v.begin(), v.end(), Span{x, std::numeric_limits<std::int32_t>::max()});
  return it == v.begin() ? 0 : (it - 1)->first;
}

struct SubjectHit {
  std::int32_t end, start;
  std::uint32_t who;  // kCtxSubj* bits
};
struct QuoteHit {
  std::int32_t start, end, pat;
  std::uint32_t bits;
};
}  // namespace

CueMatches CueMatcher::match(const std::vector<TextRef>& texts, int workers, bool with_hits) const {
  const Impl& m = *impl_;
  const auto n = static_cast<Eigen::Index>(texts.size());
  const auto k = static_cast<Eigen::Index>(m.lex.cues.size());
  CueMatches out;
  out.counts.setZero(n, k);
  out.negated.setZero(n, k);
  out.status.setZero(n);
  const int nw = detail::resolve_workers(workers);
  struct Local {
    std::vector<std::int64_t> row;
    std::vector<std::int32_t> cue, phrase, start, end;
    std::vector<std::int8_t> neg, hyp, quoted, speaker, counted;
  };
  std::vector<Local> locals(static_cast<std::size_t>(nw));
  const bool raise_invalid = m.lex.invalid_utf8 == "error";
  const auto window = static_cast<std::size_t>(m.lex.negation_window);
  const int scope_words = m.lex.scope_words, hypo_words = m.lex.hypothetical_words;
  const bool ctx_on = m.has_context;
  detail::parallel_for(n, nw, 64, [&](std::ptrdiff_t b, std::ptrdiff_t e, int w) {
    constexpr int kLanes = Impl::kLanes;
    std::string bufs[kLanes], tmp;
    Impl::SegCache seg_cache, ctx_cache;
    std::vector<std::uint32_t> scratch;
    std::vector<Hit> lane_hits[kLanes], cue_hits, ctx_hits, part_hits, gap_hits;
    std::vector<PartHit> parts_found;
    std::vector<Span> gap_stops;
    std::vector<Span> negs, negs_raw, covers, pseudos;  // negs: (end, start); the others (start, end)
    std::vector<std::int32_t> cover_max;
    std::vector<std::pair<std::int32_t, std::uint8_t>> marks;  // (end, kStaff|kCustomer), by end
    std::vector<Span> breaks;                                  // (end, start), sorted by end
    std::vector<Span> sents, stops, hypos, reports, posts, nonsubj;
    std::vector<SubjectHit> subjects;
    std::vector<QuoteHit> quotes;
    std::vector<std::pair<std::int32_t, std::int32_t>> qstack;  // (open position, pattern)
    Local& loc = locals[static_cast<std::size_t>(w)];
    for (std::ptrdiff_t r0 = b; r0 < e; r0 += kLanes) {
      detail::check_interrupt();  // Ctrl-C (interrupt.hpp)
      const int lanes = static_cast<int>(std::min<std::ptrdiff_t>(kLanes, e - r0));
      for (int k = 0; k < lanes; ++k) {
        const std::ptrdiff_t r = r0 + k;
        std::string& buf = bufs[k];
        lane_hits[k].clear();
        const TextRef& tr = texts[static_cast<std::size_t>(r)];
        if (tr.data == nullptr) {
          out.status[r] = static_cast<std::int8_t>(TextStatus::missing);
          buf.clear();
          continue;
        }
        std::size_t size = tr.size;
        TextStatus st = TextStatus::ok;
        if (size > static_cast<std::size_t>(m.lex.max_text_bytes)) {
          size = static_cast<std::size_t>(m.lex.max_text_bytes);
          while (size > 0 && is_cont(static_cast<unsigned char>(tr.data[size]))) --size;
          st = TextStatus::truncated;
        }
        std::ptrdiff_t bad = -1;
        m.normalize(tr.data, size, buf, tmp, bad);
        if (bad >= 0) {
          if (raise_invalid)
            throw input_error("texts: row " + std::to_string(r) + ": invalid UTF-8 at byte offset " +
                              std::to_string(bad) + " (set invalid_utf8 to 'replace' to match around it)");
          st = TextStatus::invalid_utf8;
        }
        if (buf.empty() || buf == " ") st = TextStatus::empty;
        out.status[r] = static_cast<std::int8_t>(st);
      }
      m.scan_lanes(bufs, lane_hits, lanes);
      for (int lane = 0; lane < lanes; ++lane) {
        const std::ptrdiff_t r = r0 + lane;
        const std::string& t = bufs[lane];
        const std::vector<Hit>& hits = lane_hits[lane];
        if (hits.empty()) continue;
        cue_hits.clear();
        ctx_hits.clear();
        part_hits.clear();
        gap_hits.clear();
        negs.clear();
        negs_raw.clear();
        pseudos.clear();
        covers.clear();
        marks.clear();
        breaks.clear();
        for (const Hit& h : hits) {
          const Pattern& pat = m.patterns[static_cast<std::size_t>(h.pat)];
          const auto kind = pat.kind;
          if (kind == kCue)
            cue_hits.push_back(h);
          else if (kind == kNegator)
            negs_raw.emplace_back(h.start, h.end);
          else if (kind == kPseudo)
            pseudos.emplace_back(h.start, h.end);
          else if (kind != kCtx && kind != kPart)
            breaks.emplace_back(h.end, h.start);  // speaker markers stop negation too
          if (kind == kStaff || kind == kCustomer) marks.emplace_back(h.end, kind);
          if (pat.ctx != 0) ctx_hits.push_back(h);
          if (!pat.parts.empty()) part_hits.push_back(h);
        }
        if (cue_hits.empty() && part_hits.empty()) continue;
        // Chinese hits start and end on jieba word boundaries (数据 is not in 数据线)
        seg_cache.valid = false;
        if (m.seg) {
          for (auto* list : {&cue_hits, &part_hits}) {
            std::size_t kept_cjk = 0;
            for (const Hit& h : *list) {
              const bool ok = m.on_word_boundaries(t, static_cast<std::size_t>(h.start),
                                                   static_cast<std::size_t>(h.end), seg_cache);
              if (ok) (*list)[kept_cjk++] = h;
            }
            list->resize(kept_cjk);
          }
        }
        // gapped phrases: their parts in order, in one clause, each gap within its words
        if (!part_hits.empty()) {
          m.assemble_gapped(t, part_hits, ctx_hits, breaks, parts_found, gap_stops, scratch, seg_cache, gap_hits);
        }
        if (cue_hits.empty() && gap_hits.empty()) continue;
        // context triggers (only for texts with a cue hit)
        sents.clear();
        stops.clear();
        hypos.clear();
        reports.clear();
        posts.clear();
        nonsubj.clear();
        subjects.clear();
        quotes.clear();
        if (ctx_on) {
          for (const auto& [end, kind] : marks) sents.emplace_back(end, end);  // a marker ends a sentence
          for (const Hit& h : ctx_hits) {
            const std::uint32_t bits = m.patterns[static_cast<std::size_t>(h.pat)].ctx;
            if (bits & (kCtxRoleStaff | kCtxRoleCustomer)) {
              const std::int32_t me = m.role_marker_end(t, h.start, h.end);
              if (me >= 0) {
                const std::uint8_t who = (bits & kCtxRoleStaff) ? kStaff : kCustomer;
                marks.emplace_back(me, who);
                breaks.emplace_back(me, h.start);
                sents.emplace_back(me, h.start);
              }
            }
            if (bits & kCtxSentence) sents.emplace_back(h.end, h.start);
            if (bits & kCtxTerminator) stops.emplace_back(h.end, h.start);
            if (bits & kCtxPost) posts.emplace_back(h.start, h.end);
            if (bits & kCtxHypo) hypos.emplace_back(h.end, h.start);
            if (bits & kCtxReport) reports.emplace_back(h.end, h.start);
            if (bits & kCtxSubject) subjects.push_back({h.end, h.start, bits & kCtxSubject});
            if (bits & kCtxNonSubj) nonsubj.emplace_back(h.start, h.end);
            if (bits & (kCtxQuoteOpen | kCtxQuoteClose)) quotes.push_back({h.start, h.end, h.pat, bits});
          }
          std::sort(marks.begin(), marks.end());
          std::sort(breaks.begin(), breaks.end());
          std::sort(sents.begin(), sents.end());
          stops.insert(stops.end(), sents.begin(), sents.end());
          std::sort(stops.begin(), stops.end());
          std::sort(posts.begin(), posts.end());
        }
        // hits arrive in end order; negators and breaks stay sorted by end
        std::sort(cue_hits.begin(), cue_hits.end(),
                  [](const Hit& a, const Hit& c) { return a.start != c.start ? a.start < c.start : a.end > c.end; });
        std::int32_t max_end = -1;
        std::size_t kept = 0;
        for (const Hit& h : cue_hits) {
          if (h.end <= max_end) continue;  // inside a longer hit
          max_end = h.end;
          cue_hits[kept++] = h;
        }
        cue_hits.resize(kept);
        // A negator inside a kept cue phrase or a clause break ("不好意思", "不过") negates nothing.
        // Kept hits are sorted by start (prefix max of their ends), breaks by end (suffix min of
        // their starts): a negator (ns, ne) is covered when a hit starting at or before ns ends at
        // or after ne, or a break ending at or after ne starts at or before ns.
        if (!negs_raw.empty()) {
          cover_max.resize(cue_hits.size());
          for (std::size_t i = 0; i < cue_hits.size(); ++i)
            cover_max[i] = std::max(cue_hits[i].end, i ? cover_max[i - 1] : std::int32_t{-1});
          covers.resize(breaks.size());  // (suffix min start, unused)
          for (std::size_t i = breaks.size(); i-- > 0;)
            covers[i].first =
                std::min(breaks[i].second, i + 1 < breaks.size() ? covers[i + 1].first : breaks[i].second);
          for (const auto& [ns, ne] : negs_raw) {
            auto ci = std::upper_bound(cue_hits.begin(), cue_hits.end(), ns,
                                       [](std::int32_t v, const Hit& h) { return v < h.start; });
            bool covered =
                ci != cue_hits.begin() && cover_max[static_cast<std::size_t>(ci - cue_hits.begin()) - 1] >= ne;
            if (!covered) {
              auto bi = std::lower_bound(breaks.begin(), breaks.end(),
                                         std::pair{ne, std::numeric_limits<std::int32_t>::min()});
              covered = bi != breaks.end() && covers[static_cast<std::size_t>(bi - breaks.begin())].first <= ns;
            }
            for (std::size_t q = 0; !covered && q < pseudos.size(); ++q)  // "别的", "not only": no negation
              covered = pseudos[q].first <= ns && pseudos[q].second >= ne;
            if (!covered) negs.emplace_back(ne, ns);
          }
        }
        // gapped hits join the kept hits unless a hit of the same cue overlaps them (counted once);
        // they cover no negator (their gaps are free text)
        if (!gap_hits.empty()) {
          const std::size_t plain = cue_hits.size();
          auto shares_cue = [&](const Hit& a, const Hit& c) {
            const auto& ca = m.patterns[static_cast<std::size_t>(a.pat)].cues;
            for (std::int32_t x : m.patterns[static_cast<std::size_t>(c.pat)].cues)
              if (std::find(ca.begin(), ca.end(), x) != ca.end()) return true;
            return false;
          };
          std::sort(gap_hits.begin(), gap_hits.end(),
                    [](const Hit& a, const Hit& c) { return a.start != c.start ? a.start < c.start : a.end > c.end; });
          for (const Hit& g : gap_hits) {
            bool dup = false;
            for (std::size_t i = 0; i < cue_hits.size() && !dup; ++i) {
              const Hit& h = cue_hits[i];
              dup = h.start < g.end && g.start < h.end && shares_cue(h, g);
            }
            if (!dup) cue_hits.push_back(g);
          }
          if (cue_hits.size() > plain)
            std::sort(cue_hits.begin(), cue_hits.end(), [](const Hit& a, const Hit& c) {
              return a.start != c.start ? a.start < c.start : a.end > c.end;
            });
        }
        ctx_cache.valid = false;
        // a Chinese context trigger counts only on jieba word boundaries (他 is not in 其他)
        auto on_words = [&](std::int32_t s, std::int32_t e2) {
          if (!m.seg || !is_cjk_lead(static_cast<unsigned char>(t[static_cast<std::size_t>(s)]))) return true;
          // the cut made around the last cue hit, when it holds both edges
          const auto su = static_cast<std::size_t>(s), eu = static_cast<std::size_t>(e2);
          for (const Impl::SegCache* c : {&seg_cache, &ctx_cache})
            if (c->valid && c->l < su && eu < c->r) {
              auto on = [&](std::size_t x) {
                return std::binary_search(c->ends.begin(), c->ends.end(), static_cast<std::uint32_t>(x - c->l));
              };
              return on(su) && on(eu);
            }
          return m.on_word_boundaries(t, su, eu, ctx_cache);
        };
        // is the gap [a, b) within a negation scope?
        auto in_neg_scope = [&](std::int32_t a, std::int32_t b2) {
          if (scope_words > 0)
            return m.count_words(t, static_cast<std::size_t>(a), static_cast<std::size_t>(b2), scope_words, scratch,
                                 &seg_cache) <= scope_words;
          return static_cast<std::size_t>(b2 - a) <= window;
        };
        // the subject (kCtxSubj* bits) nearest before `hi` and starting at or after `lo`
        auto nearest_subject = [&](std::int32_t lo, std::int32_t hi) -> std::uint32_t {
          auto it = std::upper_bound(subjects.begin(), subjects.end(), hi,
                                     [](std::int32_t v, const SubjectHit& s) { return v < s.end; });
          while (it != subjects.begin()) {
            --it;
            if (it->start < lo) break;
            bool object = false;
            for (const auto& [os, oe] : nonsubj) object = object || (os <= it->start && oe >= it->end);
            if (!object && on_words(it->start, it->end)) return it->who;
          }
          return 0;
        };
        auto first_subject = [&](std::int32_t lo, std::int32_t hi) -> std::uint32_t {
          auto it = std::upper_bound(subjects.begin(), subjects.end(), lo,
                                     [](std::int32_t v, const SubjectHit& s) { return v < s.end; });
          for (; it != subjects.end(); ++it) {
            const SubjectHit& s = *it;
            if (s.end > hi) break;
            if (s.start < lo) continue;
            bool object = false;
            for (const auto& [os, oe] : nonsubj) object = object || (os <= s.start && oe >= s.end);
            if (!object && on_words(s.start, s.end)) return s.who;
          }
          return 0;
        };
        std::size_t qi = 0;
        qstack.clear();
        for (const Hit& h : cue_hits) {
          // pre-negation: the latest negator before the hit within the scope, no break between; with
          // double negation, each further negator in scope of the previous one flips it back
          int parity = 0;
          std::int32_t neg_at = -1;  // start of the nearest negator in scope
          {
            auto it =
                std::upper_bound(negs.begin(), negs.end(), Span{h.start, std::numeric_limits<std::int32_t>::max()});
            std::int32_t cur = h.start;
            while (it != negs.begin()) {
              auto nb = it - 1;
              if (ctx_on && m.lex.double_negation && !on_words(nb->second, nb->first)) {  // inside a longer word
                it = nb;
                continue;
              }
              if (!in_neg_scope(nb->first, cur) || any_between(breaks, nb->first, cur)) break;
              if (neg_at < 0) neg_at = nb->second;
              parity ^= 1;
              if (!m.lex.double_negation) break;
              cur = nb->second;
              it = std::upper_bound(negs.begin(), nb, Span{cur, std::numeric_limits<std::int32_t>::max()});
            }
          }
          bool neg = parity == 1;
          // post-negation: a trigger after the hit within the scope ("rude? not at all")
          if (!neg && !posts.empty()) {
            auto it =
                std::lower_bound(posts.begin(), posts.end(), Span{h.end, std::numeric_limits<std::int32_t>::min()});
            if (it != posts.end()) neg = in_neg_scope(h.end, it->first) && !any_between(stops, h.end, it->first);
          }
          // hypothetical / wished-for scope
          bool hyp = false;
          std::int32_t hyp_at = -1;  // start of the hypothetical trigger
          if (!hypos.empty()) {
            auto it =
                std::upper_bound(hypos.begin(), hypos.end(), Span{h.start, std::numeric_limits<std::int32_t>::max()});
            while (it != hypos.begin()) {
              auto hb = it - 1;
              if (!on_words(hb->second, hb->first)) {
                it = hb;
                continue;
              }
              hyp = m.count_words(t, static_cast<std::size_t>(hb->first), static_cast<std::size_t>(h.start), hypo_words,
                                  scratch, &seg_cache) <= hypo_words &&
                    !any_between(stops, hb->first, h.start);
              if (hyp) hyp_at = hb->second;
              break;
            }
          }
          // quotes open at the hit
          for (; qi < quotes.size() && quotes[qi].end <= h.start; ++qi) {
            const QuoteHit& q = quotes[qi];
            const bool toggles = (q.bits & kCtxQuoteOpen) && (q.bits & kCtxQuoteClose);
            if (toggles) {
              if (!qstack.empty() && qstack.back().second == q.pat)
                qstack.pop_back();
              else
                qstack.emplace_back(q.start, q.pat);
            } else if (q.bits & kCtxQuoteOpen) {
              qstack.emplace_back(q.start, q.pat);
            } else if (!qstack.empty()) {
              qstack.pop_back();
            }
          }
          // the speaker of the turn: the latest marker ending at or before the hit (none: narrative)
          std::uint8_t turn = 0;
          auto mi = std::upper_bound(marks.begin(), marks.end(),
                                     std::pair{h.start, std::numeric_limits<std::uint8_t>::max()});
          if (mi != marks.begin()) turn = (mi - 1)->second;
          // a staff member's own conditional is staff behaviour, not a customer's wish: "Sales: if you
          // sign today I'll knock 200 off", "销售：要是今天不定，明天就没这个价了" (its negation too)
          const bool staff_cond = ctx_on && hyp && turn == kStaff && qstack.empty();
          const bool neg_in_cond = staff_cond && parity == 1 && neg_at > hyp_at;
          // who did it: the subject of the hit's sentence, or of the reporting verb / quote
          bool quoted = !qstack.empty();
          std::uint32_t who = 0;
          // only staff cues are attributed by subject (customer and "any" cues take the turn's speaker)
          bool staff_cue = false;
          for (std::int32_t c : m.patterns[static_cast<std::size_t>(h.pat)].cues)
            staff_cue = staff_cue || m.actor[static_cast<std::size_t>(c)] == kStaff;
          if (ctx_on && staff_cue && (!subjects.empty() || quoted || !reports.empty())) {
            const std::int32_t anchor = quoted ? qstack.back().first : h.start;
            const std::int32_t sent_start = latest_end(sents, anchor);
            const std::int32_t clause_start = std::max(sent_start, latest_end(breaks, anchor));
            // the latest reporting verb of the sentence before the anchor
            const Span* rv = nullptr;
            auto it = std::upper_bound(reports.begin(), reports.end(),
                                       Span{anchor, std::numeric_limits<std::int32_t>::max()});
            while (it != reports.begin()) {
              --it;
              if (it->second < sent_start) break;
              if (on_words(it->second, it->first)) {
                rv = &*it;
                break;
              }
            }
            // a verb of an earlier clause does not report a clause with a subject of its own
            if (rv && rv->first <= clause_start && nearest_subject(clause_start, anchor) != 0) rv = nullptr;
            // nor does an unquoted verb report a clause whose own staff or third-person subject comes
            // after it: "when I asked whether it came with installation he shrugged", "我问了三遍他还是不理"
            if (rv && qstack.empty() && (nearest_subject(rv->first, anchor) & (kCtxSubjStaff | kCtxSubjOther)) != 0)
              rv = nullptr;
            if (rv) {
              quoted = true;
              const std::int32_t vclause = std::max(sent_start, latest_end(breaks, rv->second));
              who = first_subject(vclause, rv->second);
              if (who == 0) who = nearest_subject(sent_start, rv->second);
            } else {
              who = nearest_subject(sent_start, anchor);
            }
          }
          // in a staff turn the staff did it; elsewhere the subject says who did
          std::uint8_t attributed = turn, attributed_exp = turn;
          if (turn != kStaff && who != 0) {
            if (who & kCtxSubjStaff)
              attributed = kStaff;
            else if (who & kCtxSubjCustomer)
              attributed = kCustomer;
            else if (who & kCtxSubjOther)
              attributed = kStaff;
            else if (who & kCtxSubjSelf)
              attributed = kCustomer;
          }
          // experience cues: neither a first-person subject nor the customer's turn makes them the
          // customer's ("业主：我等了两个小时" is the staff's failure, told by the customer)
          // nor does a customer speaking: "客户原话：“我打了四次电话”" is what the customer went through
          // ("my husband laughed at me" stays the companion's)
          const std::uint32_t not_self = quoted ? (kCtxSubjStaff | kCtxSubjOther) : ~kCtxSubjSelf;
          attributed_exp = (ctx_on && turn != kStaff && (who & not_self) == 0) ? std::uint8_t{0} : attributed;
          const int phrase = m.pattern_phrase[static_cast<std::size_t>(h.pat)];
          for (std::int32_t c : m.patterns[static_cast<std::size_t>(h.pat)].cues) {
            const std::uint8_t act = m.actor[static_cast<std::size_t>(c)];
            // staff cues: who did it; customer and "any" cues: whose turn it is ("他态度很差" is the
            // customer's complaint)
            const std::uint8_t speaker = act != kStaff                               ? turn
                                         : m.experience[static_cast<std::size_t>(c)] ? attributed_exp
                                                                                     : attributed;
            const bool actor_ok = speaker == 0 || act == 0 || act == speaker;
            const bool own_cond = staff_cond && act == kStaff;  // the staff's own conditional counts
            const bool hyp_c = hyp && !own_cond;
            const bool negated = neg && !(own_cond && neg_in_cond) && m.negatable[static_cast<std::size_t>(c)];
            const bool counted = actor_ok && !negated && !hyp_c;
            if (actor_ok && !hyp_c) {
              if (negated) {
                out.negated(r, c) += 1;
                const std::int32_t to = m.neg_to[static_cast<std::size_t>(c)];
                if (to >= 0) out.counts(r, to) += 1;
              } else {
                out.counts(r, c) += 1;
              }
            }
            if (with_hits) {
              loc.row.push_back(r);
              loc.cue.push_back(c);
              loc.phrase.push_back(phrase);
              loc.start.push_back(h.start);
              loc.end.push_back(h.end);
              loc.neg.push_back(negated ? 1 : 0);
              loc.hyp.push_back(hyp_c ? 1 : 0);
              loc.quoted.push_back(quoted ? 1 : 0);
              loc.speaker.push_back(static_cast<std::int8_t>(speaker == kStaff      ? HitSpeaker::staff
                                                             : speaker == kCustomer ? HitSpeaker::customer
                                                                                    : HitSpeaker::unknown));
              loc.counted.push_back(counted ? 1 : 0);
            }
          }
        }
      }
    }
  });
  if (with_hits)
    for (auto& loc : locals) {  // workers own contiguous, ordered row ranges
      out.hit_row.insert(out.hit_row.end(), loc.row.begin(), loc.row.end());
      out.hit_cue.insert(out.hit_cue.end(), loc.cue.begin(), loc.cue.end());
      out.hit_phrase.insert(out.hit_phrase.end(), loc.phrase.begin(), loc.phrase.end());
      out.hit_start.insert(out.hit_start.end(), loc.start.begin(), loc.start.end());
      out.hit_end.insert(out.hit_end.end(), loc.end.begin(), loc.end.end());
      out.hit_negated.insert(out.hit_negated.end(), loc.neg.begin(), loc.neg.end());
      out.hit_hypothetical.insert(out.hit_hypothetical.end(), loc.hyp.begin(), loc.hyp.end());
      out.hit_quoted.insert(out.hit_quoted.end(), loc.quoted.begin(), loc.quoted.end());
      out.hit_speaker.insert(out.hit_speaker.end(), loc.speaker.begin(), loc.speaker.end());
      out.hit_counted.insert(out.hit_counted.end(), loc.counted.begin(), loc.counted.end());
    }
  return out;
}

CueEvidence cue_evidence(
    const Lexicon& lexicon,
    const Eigen::Ref<const Eigen::Matrix<std::int32_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>& counts) {
  const Eigen::Index n = counts.rows(), k = counts.cols();
  if (k != static_cast<Eigen::Index>(lexicon.cues.size()))
    throw input_error("counts: expected " + std::to_string(lexicon.cues.size()) + " columns (one per cue), got " +
                      std::to_string(k));
  CueEvidence ev;
  std::map<std::string, int> ind_index;
  for (const auto& c : lexicon.cues)
    for (const auto& [name, w] : c.indicators)
      if (ind_index.emplace(name, static_cast<int>(ev.indicator_names.size())).second)
        ev.indicator_names.push_back(name);
  const auto ni = static_cast<Eigen::Index>(ev.indicator_names.size());
  constexpr auto nr = static_cast<Eigen::Index>(enum_size<LostSaleReason>());
  ev.lost_sale.setZero(n, nr);
  ev.assertiveness.setZero(n);
  ev.responsiveness.setZero(n);
  ev.style_hits.setZero(n);
  ev.needs.setZero(n, static_cast<Eigen::Index>(enum_size<HumanNeed>()));
  ev.procedural.setZero(n);
  ev.personal.setZero(n);
  ev.sentiment.setZero(n);
  ev.severity.setZero(n);
  ev.indicators.setConstant(n, ni, std::numeric_limits<double>::quiet_NaN());
  for (Eigen::Index r = 0; r < n; ++r)
    for (Eigen::Index c = 0; c < k; ++c) {
      const std::int32_t x = counts(r, c);
      if (x < 0)
        throw input_error("counts: row " + std::to_string(r) + ", cue '" +
                          lexicon.cues[static_cast<std::size_t>(c)].name + "': negative count " + std::to_string(x));
      if (x == 0) continue;
      const CueDef& cue = lexicon.cues[static_cast<std::size_t>(c)];
      if (cue.lost_sale) ev.lost_sale(r, static_cast<Eigen::Index>(*cue.lost_sale)) += x;
      if (cue.need) ev.needs(r, static_cast<Eigen::Index>(*cue.need)) += x;
      ev.procedural[r] += x * cue.procedural;
      ev.personal[r] += x * cue.personal;
      ev.sentiment[r] += x * cue.sentiment;
      ev.severity[r] = std::max(ev.severity[r], cue.severity);
      if (cue.assertiveness != 0.0 || cue.responsiveness != 0.0) {
        ev.assertiveness[r] += x * cue.assertiveness;
        ev.responsiveness[r] += x * cue.responsiveness;
        ev.style_hits[r] += x;
      }
      for (const auto& [name, w] : cue.indicators) {
        double& v = ev.indicators(r, ind_index[name]);
        v = (v == v ? v : 0.0) + x * w;
      }
    }
  return ev;
}

}  // namespace servscore
