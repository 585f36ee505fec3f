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
 * longer hit is dropped (the longer phrase is the more specific one).
 *
 * Every hit gets its context, in the manner of NegEx / ConText (Chapman et al. 2001;
 * Harkema et al. 2009), from trigger lists of the lexicon (an empty list turns its rule off):
 * - negated: a negator ends before it within the scope (`scope_words` words, or
 *   `negation_window` bytes when 0) with no clause break between ("not very helpful",
 *   "不满意"), or a post-negator starts after it within the scope with no sentence break,
 *   terminator or marker between ("rude? not at all", "态度差？没有的事"). With
 *   `double_negation`, a chain of negators each in the scope of the next flips the result
 *   per negator ("不能不说" affirms). A negator inside a kept cue phrase, a clause break, a
 *   pseudo-negator ("不好意思", "别的") or (with jieba) a longer word (爱理不理) negates nothing;
 * - hypothetical: within `hypothetical_words` words after a hypothetical or wish trigger
 *   ("if", "I hope", "如果", "希望"), same sentence, no terminator between;
 * - quoted: inside quote marks or after a reporting verb of its sentence ("said", "说");
 * - speaker: the turn's (speaker markers, or role words starting a turn: "[09:14] 坐席：",
 *   "Agent (Mia):", "Caller - "), unless a subject says otherwise: the subject of the
 *   reporting verb, of the quote, or the nearest subject before the hit in its sentence
 *   (staff nouns and third-person pronouns in narrative text -> staff; "I"/"我" -> the
 *   writer: the customer; ignored, with the customer's turn, for `experience_cues`). In a staff turn
 *   the speaker is staff. Customer and "any" cues take the turn's speaker (a complaint about staff is
 *   still the customer's);
 * - counted: not negated, not hypothetical, and the actor's: a staff cue unless its speaker
 *   is the customer (an unknown speaker counts), a customer cue unless in a staff turn, an
 *   "any" cue always. `CueMatches::counts` holds counted hits only.
 * Triggers are found by the same automaton pass; the context is computed only for texts
 * with a cue hit, by binary searches around each hit (cost proportional to the hits).
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

  // ---- context of a hit (NegEx / ConText; every list empty: the rule is off) -------------
  /// Triggers *after* a hit that negate it ("not at all", "没有的事"): a hit is negated when one
  /// starts within the scope after it with no terminator, sentence break or marker between.
  std::vector<LangPhrases> post_negators;
  /// When > 0, negation scopes (pre and post) are measured in words instead of bytes: at most
  /// `scope_words` words between the trigger and the hit (an English word is a run of ASCII
  /// letters/digits; a Chinese word is a word of jieba's cut, or a character without jieba).
  /// 0: the byte window `negation_window` (compatibility).
  int scope_words = 0;
  /// Two negators in a chain (each within the scope of the next, no clause break) cancel:
  /// "不能不说" is an affirmation. A negator inside a longer jieba word negates nothing.
  bool double_negation = false;
  /// Hypothetical and wished-for triggers ("if", "would have", "I hope", "如果", "要是", "希望"):
  /// a hit within `hypothetical_words` words after one, same sentence, no terminator between,
  /// is flagged hypothetical and not counted.
  std::vector<LangPhrases> hypotheticals;
  int hypothetical_words = 8;  ///< scope of a hypothetical trigger, in words
  /// Sentence ends ("。", "！", ".", "!"): bound subject attribution, hypothetical and
  /// post-negation scopes (speaker markers end a sentence too).
  std::vector<LangPhrases> sentence_breaks;
  /// Quote mark pairs, each a string of exactly two characters: opening then closing ("“”",
  /// "「」", "\"\""; the same character twice toggles). A hit inside quotes is `quoted`.
  std::vector<std::string> quote_marks;
  /// Reporting verbs ("said", "told me", "说", "告诉我"): a hit after one in the same sentence is
  /// reported speech (`quoted`), attributed to the verb's subject.
  std::vector<LangPhrases> reporting_verbs;
  /// Sentence subjects used to attribute a hit in narrative text or reported speech: staff
  /// nouns ("the agent", "店员"), customer nouns ("the customer", "顾客"), the first person
  /// ("I", "我": the writer, i.e. the customer in narrative text, the turn's speaker in a
  /// dialogue) and third-person pronouns ("he", "他": the other party, i.e. staff in narrative
  /// text). `non_subjects` are phrases in which a subject word is an object ("对我", "给我").
  std::vector<LangPhrases> staff_subjects;
  std::vector<LangPhrases> customer_subjects;  ///< see staff_subjects
  std::vector<LangPhrases> self_subjects;      ///< see staff_subjects
  std::vector<LangPhrases> other_subjects;     ///< see staff_subjects
  std::vector<LangPhrases> non_subjects;       ///< see staff_subjects
  /// Role words of dialogue markers ("agent", "坐席", "业主", "客服"): a role word that starts a
  /// turn (at the start of the text or after a space, punctuation or a timestamp), optionally
  /// followed by a name in parentheses, then ":" or " - ", is a speaker marker:
  /// "[09:14] 坐席：", "10:02 Agent:", "Agent (Mia):", "客服(小王)：", "Caller - ".
  std::vector<LangPhrases> staff_roles;
  std::vector<LangPhrases> customer_roles;  ///< see staff_roles
  /// Staff cues of what the customer goes through or judges ("I waited two hours", "我全程尴尬",
  /// "that was quick"): neither a first-person subject nor the customer's turn makes them the
  /// customer's (names of cues; names that are not cues are ignored).
  std::vector<std::string> experience_cues;
  /// Default maximum gap, in words, between two parts of a gapped cue phrase (`A … B`; a part
  /// written `…{n}` sets its own). A gapped phrase matches when its parts occur in order in one
  /// clause (no clause break, terminator, sentence break or marker between two parts), each part
  /// on word boundaries, with at most that many words between two parts (an English word is a run
  /// of ASCII letters and digits, a Chinese word a word of jieba's cut, or a character without
  /// jieba). The context rules apply to the whole match (from its first part). A part may be an
  /// alternation `(a|b|c)` (also in plain phrases: `ask* about (age|salary)`).
  int gap_words = 6;
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
  Eigen::Matrix<std::int32_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> counts;   ///< texts x cues: counted hits
  Eigen::Matrix<std::int32_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> negated;  ///< texts x cues: negated hits
  VectorXi8 status;                                                                      ///< `TextStatus` per text
  /// Every hit (counted or not: negated, hypothetical, the other party's) when asked for: text row, cue, phrase id
  /// (`CueMatcher::phrase`), byte offsets in the normalised text, negated flag. Ordered by row, then start.
  std::vector<std::int64_t> hit_row;
  std::vector<std::int32_t> hit_cue, hit_phrase, hit_start, hit_end;
  std::vector<std::int8_t> hit_negated;
  /// Context flags of every hit (same order): hypothetical (in a hypothetical or wished-for
  /// scope), quoted (inside quote marks or after a reporting verb), speaker (`HitSpeaker`) and
  /// counted (the hit is in `counts`: not negated, not hypothetical, its actor's).
  std::vector<std::int8_t> hit_hypothetical, hit_quoted, hit_speaker, hit_counted;
};

/** @brief Who a hit is attributed to (`CueMatches::hit_speaker`). */
enum class HitSpeaker : std::int8_t { unknown = 0, staff = 1, customer = 2 };

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
