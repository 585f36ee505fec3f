/**
 * @file text.hpp
 * @brief Cue matching over free text (transcripts, notes) in any language: a lexicon of
 * phrases per cue, matched by one Aho-Corasick automaton over normalised UTF-8 bytes.
 *
 * No word segmentation: Chinese and English are matched the same way. Text is
 * normalised first (ASCII case folding, full-width ASCII to half-width, runs of
 * white space to one space); a phrase that starts or ends with an ASCII letter or
 * digit only matches at an ASCII word boundary on that side (a trailing `*` lifts
 * the end boundary: `hurr*` matches "hurry" and "hurried"). A hit contained in a
 * longer hit is dropped (the longer phrase is the more specific one). A hit is
 * negated when a negator phrase ends at most `negation_window` bytes of normalised
 * text before it (12: about two short English words, or four Chinese characters)
 * with no clause break (punctuation, "but", "不过") in between: "not helpful",
 * "不满意". A negator inside a kept cue phrase or a clause break ("不好意思",
 * "不过") negates nothing. In transcripts with speaker markers ("Staff:", "顾客："), a
 * cue counts only in the turns of its actor.
 *
 * The lexicon is data: the default one ships as JSON with the Python package
 * (`servscore/data/text/lexicon.json`); C++ users load it (or their own) with
 * `lexicon_from_json`. The code holds no phrase, cue or threshold of the domain.
 */
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "servscore/model.hpp"
#include "servscore/types.hpp"

namespace servscore {

/** @brief Phrases of one language (`lang` is a free tag such as "en" or "zh"). */
struct LangPhrases {
  std::string lang;
  std::vector<std::string> phrases;
  bool operator==(const LangPhrases& o) const { return lang == o.lang && phrases == o.phrases; }
};

/** @brief A cue: the phrases that signal it and what it is evidence of. */
struct CueDef {
  std::string name;                         ///< stable identifier; result column `cue_<name>`
  std::string actor = "staff";              ///< who shows it: "staff", "customer" or "any"
  std::vector<LangPhrases> phrases;         ///< phrases per language
  bool negatable = true;                    ///< a preceding negator negates a hit
  std::string negated_to;                   ///< cue credited by a negated hit (empty: none)
  std::optional<LostSaleReason> lost_sale;  ///< lost-sale reason this cue is a risk of
  double assertiveness = 0.0;               ///< evidence per hit on the assertiveness axis (+ tell, - ask)
  double responsiveness = 0.0;              ///< evidence per hit on the responsiveness axis (+ emote, - control)
  std::optional<HumanNeed> need;            ///< human need the cue speaks to (unmet or met)
  double procedural = 0.0;                  ///< evidence per hit on the procedural side (+ good, - bad)
  double personal = 0.0;                    ///< evidence per hit on the personal side (+ good, - bad)
  double sentiment = 0.0;                   ///< evidence per hit on the text's sentiment (+ positive, - negative)
  int severity = 0;                         ///< complaint severity the cue signals, 0-3 (a text: the max)
  /// Encounter indicators this cue is evidence on, with a signed weight per hit.
  std::vector<std::pair<std::string, double>> indicators;
  bool operator==(const CueDef& o) const;
};

/**
 * @brief A lexicon: cues, negators, clause breaks and matching options.
 *
 * JSON keys are the member names; `phrases`, `negators` and `clause_breaks` are either a
 * list of strings or an object `{"en": [...], "zh": [...]}`; `lost_sale` is a
 * `LostSaleReason` name; `indicators` an object `{indicator: weight}`.
 */
struct Lexicon {
  std::vector<CueDef> cues;
  std::vector<LangPhrases> negators;       ///< phrases that negate a following hit
  std::vector<LangPhrases> clause_breaks;  ///< phrases (punctuation) that stop negation
  /// Phrases holding a negator that negate nothing ("别的", "不好意思", "不错", "not only",
  /// "no doubt"): a negator inside one of their hits is ignored.
  std::vector<LangPhrases> pseudo_negators;
  /// Contrastive conjunctions that end a negation's scope like a clause break ("but",
  /// "however", "although", "但是", "可是", "不过").
  std::vector<LangPhrases> terminators;
  /// Speaker markers of transcripts ("staff:", "店员："). After a staff marker and until the
  /// next marker, only staff cues count; after a customer marker only customer cues. Before
  /// any marker (notes, unmarked text) every cue counts. Markers also stop negation.
  std::vector<LangPhrases> staff_markers;
  std::vector<LangPhrases> customer_markers;  ///< see staff_markers
  /// Languages whose phrases are used; empty: all. Untagged phrases are always used.
  std::vector<std::string> languages;
  /// Max bytes of normalised text between a negator's end and a hit's start (a Chinese
  /// character is 3 bytes, so the window is shorter in characters where words are shorter).
  int negation_window = 12;
  bool fold_case = true;  ///< ASCII case folding
  /// Full-width ASCII (U+FF01-U+FF5E) and the ideographic space (U+3000) to half-width;
  /// typographic apostrophes (U+2018, U+2019) to '.
  bool fold_width = true;
  /// The first and last English phrase words of 3+ ASCII letters also match their regular inflections
  /// (-s, -es after s/x/z/ch/sh/o, -ed, -ing; e-drop: argue -> argued, arguing; y -> ied/ies:
  /// hurry -> hurried; final consonant doubled: stop -> stopped). A `*` word is not inflected.
  bool inflect = true;
  /// Texts longer than this (bytes) are cut at a character boundary and flagged `truncated`.
  std::int64_t max_text_bytes = 1 << 20;
  /// "replace": an invalid UTF-8 byte becomes a break (no phrase matches across it), the
  /// text is flagged `invalid_utf8`; "error": throw input_error naming the row and offset.
  std::string invalid_utf8 = "replace";

  /** @brief Throw `config_error` naming the key when a value is invalid. */
  void validate() const;
  /** @brief Index of the cue named `name`, or -1. */
  int index_of(std::string_view name) const;
  /** @brief Add the cues of `other` (phrases of a cue of the same name are appended; its other keys win). */
  void extend(const Lexicon& other);
  bool operator==(const Lexicon& o) const;
};

/** @brief Parse a JSON lexicon; unknown keys and invalid values raise `config_error`. */
Lexicon lexicon_from_json(std::string_view json);
/** @brief Serialise every key of the lexicon. */
std::string to_json(const Lexicon& lexicon);

/** @brief Status of one text. */
enum class TextStatus : std::int8_t { ok = 0, empty = 1, missing = 2, invalid_utf8 = 3, truncated = 4 };

/**
 * @brief Files read at run time by `CueMatcher` (never copied into the library). An empty
 * path turns the feature off.
 */
struct TextResources {
  /// jieba's dictionary (`dict.txt`, "word freq [tag]" per line): Chinese cue hits must start
  /// and end on word boundaries of jieba's DAG + max-probability cut of the text around them.
  std::string jieba_dict;
  /// OpenCC's `TSCharacters.txt` and `TSPhrases.txt`: traditional characters are folded to
  /// simplified (longest phrase first, then per character) before matching.
  std::string ts_characters;
  std::string ts_phrases;  ///< see ts_characters (both or neither)
};

/** @brief Text views of a batch; a null `data` with size 0 is a missing text. */
struct TextRef {
  const char* data = nullptr;
  std::size_t size = 0;
};

/** @brief Per-text results of `CueMatcher::match`. */
struct CueMatches {
  Eigen::Matrix<std::int32_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> counts;   ///< texts x cues: hits
  Eigen::Matrix<std::int32_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> negated;  ///< texts x cues: negated hits
  VectorXi8 status;                                                                      ///< `TextStatus` per text
  /// Every counted or negated hit when asked for: text row, cue, phrase id (`CueMatcher::phrase`),
  /// byte offsets in the normalised text, negated flag. Ordered by row, then start.
  std::vector<std::int64_t> hit_row;
  std::vector<std::int32_t> hit_cue, hit_phrase, hit_start, hit_end;
  std::vector<std::int8_t> hit_negated;
};

/**
 * @brief A compiled lexicon: immutable, safe to share between threads.
 */
class CueMatcher {
 public:
  /** @brief Validate and compile `lexicon`. @throws config_error */
  explicit CueMatcher(Lexicon lexicon, TextResources resources = {});
  ~CueMatcher();
  CueMatcher(CueMatcher&&) noexcept;
  CueMatcher& operator=(CueMatcher&&) noexcept;

  /**
   * @brief Match a batch of texts.
   * @param texts UTF-8 texts (views stay borrowed for the call).
   * @param workers threads; <= 0 means all hardware threads. Results do not depend on it.
   * @param with_hits also return every hit (for evidence).
   * @throws input_error for invalid UTF-8 when the lexicon's policy is "error" (naming the row
   *   and byte offset).
   */
  CueMatches match(const std::vector<TextRef>& texts, int workers = 1, bool with_hits = false) const;
  /** @brief jieba's cut of `text` (as `jieba.lcut(text, HMM=False)`, the lexicon's Chinese phrases
   * added as words); throws config_error without a jieba dictionary. */
  std::vector<std::string> segment(std::string_view text) const;
  /** @brief Normalised form of one text (what phrases are matched against). */
  std::string normalize(std::string_view text) const;

  const Lexicon& lexicon() const;
  std::size_t n_phrases() const;            ///< distinct phrases of cues
  const std::string& phrase(int id) const;  ///< normalised phrase text of a phrase id
  std::size_t n_states() const;             ///< automaton size

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/** @brief Evidence derived from cue counts (see `cue_evidence`). */
struct CueEvidence {
  /// texts x 14: weighted hits of the cues of each `LostSaleReason`.
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> lost_sale;
  Eigen::VectorXd assertiveness;   ///< sum of the cues' assertiveness evidence
  Eigen::VectorXd responsiveness;  ///< sum of the cues' responsiveness evidence
  VectorXi32 style_hits;           ///< number of hits of cues with style evidence
  /// texts x 10 (`HumanNeed` order): hits of the cues of each need.
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> needs;
  Eigen::VectorXd procedural;  ///< sum of the cues' procedural evidence
  Eigen::VectorXd personal;    ///< sum of the cues' personal evidence
  Eigen::VectorXd sentiment;   ///< sum of the cues' sentiment evidence
  VectorXi32 severity;         ///< max severity over the hit cues (0 when none)
  /// texts x indicators (`indicator_names` order): signed evidence; NaN where no cue touched it.
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> indicators;
  std::vector<std::string> indicator_names;  ///< indicators named by the lexicon, first-mention order
};

/** @brief Aggregate cue counts (`CueMatches::counts`, texts x lexicon cues) into evidence. */
CueEvidence cue_evidence(
    const Lexicon& lexicon,
    const Eigen::Ref<const Eigen::Matrix<std::int32_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>& counts);

}  // namespace servscore
