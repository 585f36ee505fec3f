#include "servscore/model.hpp"

#include <cctype>

#include "servscore/errors.hpp"

namespace servscore {

// Labels: English from the cited literature, Chinese from the source decks
// (domain.md) where they give one, otherwise the usual term.

const std::array<EnumInfo, 5>& enum_traits<Quadrant>::table() {
  static const std::array<EnumInfo, 5> t{{
      {"freezer", "Freezer", "冷淡型", ""},
      {"factory", "Factory", "生产型", ""},
      {"friendly", "Friendly", "友好型", ""},
      {"quality", "Quality", "优质型", ""},
      {"unknown", "Unknown", "未知", ""},
  }};
  return t;
}

const std::array<EnumInfo, 2>& enum_traits<ServiceSide>::table() {
  static const std::array<EnumInfo, 2> t{{
      {"procedural", "Procedural", "程序面", ""},
      {"personal", "Personal", "个人面", ""},
  }};
  return t;
}

const std::array<EnumInfo, 4>& enum_traits<SocialStyle>::table() {
  static const std::array<EnumInfo, 4> t{{
      {"analytical", "Analytical", "分析型", ""},
      {"amiable", "Amiable", "和蔼型", ""},
      {"driver", "Driver", "支配型", ""},
      {"expressive", "Expressive", "表达型", ""},
  }};
  return t;
}

const std::array<EnumInfo, 4>& enum_traits<ExpectationLevel>::table() {
  static const std::array<EnumInfo, 4> t{{
      {"basic", "Basic", "基本期望", ""},
      {"expected", "Expected", "期望", "need"},
      {"desired", "Desired", "渴望", "want|desire"},
      {"unexpected", "Unexpected", "意外惊喜", ""},
  }};
  return t;
}

const std::array<EnumInfo, 10>& enum_traits<HumanNeed>::table() {
  static const std::array<EnumInfo, 10> t{{
      {"welcomed", "To be welcomed", "受欢迎的需求", ""},
      {"timely_service", "Timely service", "及时服务的需求", ""},
      {"comfort", "Comfort", "感觉舒服的需求", ""},
      {"orderly_service", "Orderly service", "有序服务的需求", ""},
      {"understood", "To be understood", "被理解的需求", ""},
      {"help", "Help or assistance", "帮助或协助的需求", "assistance"},
      {"feel_important", "To feel important", "受重视的需求", "important"},
      {"appreciated", "To be appreciated", "被称赞的需求", ""},
      {"recognized", "To be recognised or remembered", "被识别或记住的需求", "recognised|remembered"},
      {"respected", "To be respected", "受尊重的需求", ""},
  }};
  return t;
}

const std::array<EnumInfo, 5>& enum_traits<RaterDimension>::table() {
  static const std::array<EnumInfo, 5> t{{
      {"reliability", "Reliability", "可靠性", ""},
      {"assurance", "Assurance", "保证性", ""},
      {"tangibles", "Tangibles", "有形性", "tangible"},
      {"empathy", "Empathy", "移情性", ""},
      {"responsiveness", "Responsiveness", "响应性", ""},
  }};
  return t;
}

const std::array<EnumInfo, 5>& enum_traits<LoyaltySegment>::table() {
  static const std::array<EnumInfo, 5> t{{
      {"apostle", "Apostle", "传道者", "loyalist"},
      {"mercenary", "Mercenary", "图利者", ""},
      {"hostage", "Hostage", "囚禁者", ""},
      {"defector", "Defector", "背离者", ""},
      {"terrorist", "Terrorist", "破坏者", ""},
  }};
  return t;
}

const std::array<EnumInfo, 6>& enum_traits<KanoCategory>::table() {
  static const std::array<EnumInfo, 6> t{{
      {"attractive", "Attractive", "魅力质量", "A"},
      {"one_dimensional", "One-dimensional", "一元质量", "O|performance"},
      {"must_be", "Must-be", "必备质量", "M|basic"},
      {"indifferent", "Indifferent", "无差异质量", "I"},
      {"reverse", "Reverse", "反向质量", "R"},
      {"questionable", "Questionable", "可疑结果", "Q"},
  }};
  return t;
}

const std::array<EnumInfo, 8>& enum_traits<LifecycleStage>::table() {
  static const std::array<EnumInfo, 8> t{{
      {"warm_handshake", "Warm handshake", "温馨牵手", ""},
      {"tying_the_knot", "Tying the knot", "喜结连理", ""},
      {"close_contact", "Close contact", "亲密接触", ""},
      {"moving_in", "Moving in", "恭迎乔迁", ""},
      {"caring", "Caring", "嘘寒问暖", ""},
      {"taking_responsibility", "Taking responsibility", "承担责任", ""},
      {"all_the_way_together", "All the way together", "一路同行", ""},
      {"four_year_appointment", "Four-year appointment", "四年之约", ""},
  }};
  return t;
}

const std::array<EnumInfo, 9>& enum_traits<TimeElement>::table() {
  static const std::array<EnumInfo, 9> t{{
      {"booking", "Booking time", "预定时间", ""},
      {"waiting", "Waiting time", "等候时间", ""},
      {"response", "Response time", "回应时间", ""},
      {"service", "Service time", "服务时间", ""},
      {"after_service", "After-service time", "事后服务时间", ""},
      {"delivery", "Delivery time", "交货时间", ""},
      {"delay", "Delay time", "延迟时间", ""},
      {"guarantee", "Guarantee time", "保证时间", ""},
      {"correction", "Speed of correction", "修正之速度", ""},
  }};
  return t;
}

const std::array<EnumInfo, 14>& enum_traits<LostSaleReason>::table() {
  static const std::array<EnumInfo, 14> t{{
      {"disinterest", "Disinterest", "对客户太冷淡", ""},
      {"making_a_mistake", "Making a mistake", "犯了一些小错误", ""},
      {"appearing_too_anxious", "Appearing too anxious", "急于求成", ""},
      {"talking_down_other_brands", "Talking down other brands", "贬低其他品牌", ""},
      {"arguing", "Arguing with customers", "与客户争论", ""},
      {"long_winded", "Being too long-winded", "过于饶舌", ""},
      {"lack_of_courtesy", "Lack of courtesy and style", "不懂商务礼仪", ""},
      {"showing_favouritism", "Showing favouritism", "显示出偏爱", "showing_favoritism"},
      {"being_hurried", "Being too hurried", "过于慌乱", ""},
      {"embarrassing_the_customer", "Embarrassing the customer", "使客户难堪", ""},
      {"misrepresenting_merchandise", "Misrepresenting merchandise", "歪曲商品", ""},
      {"lack_of_product_information", "Lack of product information", "缺乏产品知识", ""},
      {"wasting_time", "Wasting the customer's time", "浪费客户的时间", ""},
      {"getting_too_personal", "Getting too personal", "过于涉及私人问题", ""},
  }};
  return t;
}

namespace {

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

template <class E>
std::vector<EnumInfo> as_vector() {
  const auto& t = enum_traits<E>::table();
  return {t.begin(), t.end()};
}

}  // namespace

namespace detail {

std::size_t parse_enum_index(const EnumInfo* table, std::size_t n, std::string_view kind, std::string_view name) {
  for (std::size_t i = 0; i < n; ++i) {
    if (iequal(name, table[i].name)) return i;
    std::string_view aliases = table[i].aliases;
    while (!aliases.empty()) {
      auto bar = aliases.find('|');
      if (iequal(name, aliases.substr(0, bar))) return i;
      if (bar == std::string_view::npos) break;
      aliases.remove_prefix(bar + 1);
    }
  }
  std::string msg = "unknown " + std::string(kind) + " '" + std::string(name) + "'; expected one of: ";
  for (std::size_t i = 0; i < n; ++i) msg += (i ? ", " : "") + std::string(table[i].name);
  throw config_error(msg);
}

}  // namespace detail

const std::vector<std::string>& enum_kinds() {
  static const std::vector<std::string> kinds{
      "quadrant",        "service_side",  "social_style",    "expectation_level", "human_need",      "rater_dimension",
      "loyalty_segment", "kano_category", "lifecycle_stage", "time_element",      "lost_sale_reason"};
  return kinds;
}

std::vector<EnumInfo> enum_table(std::string_view kind) {
  if (kind == "quadrant") return as_vector<Quadrant>();
  if (kind == "service_side") return as_vector<ServiceSide>();
  if (kind == "social_style") return as_vector<SocialStyle>();
  if (kind == "expectation_level") return as_vector<ExpectationLevel>();
  if (kind == "human_need") return as_vector<HumanNeed>();
  if (kind == "rater_dimension") return as_vector<RaterDimension>();
  if (kind == "loyalty_segment") return as_vector<LoyaltySegment>();
  if (kind == "kano_category") return as_vector<KanoCategory>();
  if (kind == "lifecycle_stage") return as_vector<LifecycleStage>();
  if (kind == "time_element") return as_vector<TimeElement>();
  if (kind == "lost_sale_reason") return as_vector<LostSaleReason>();
  std::string msg = "unknown enum kind '" + std::string(kind) + "'; expected one of: ";
  bool first = true;
  for (const auto& k : enum_kinds()) {
    msg += (first ? "" : ", ") + k;
    first = false;
  }
  throw config_error(msg);
}

}  // namespace servscore
