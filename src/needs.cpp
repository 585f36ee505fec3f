#include "servscore/needs.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <set>

#include "json_util.hpp"
#include "servscore/detail/memory.hpp"
#include "servscore/detail/parallel.hpp"
#include "servscore/errors.hpp"

namespace servscore {

namespace json = boost::json;
using Node = detail::ConditionNode;

namespace {

constexpr int kTile = 256;  // records per column block

struct OpName {
  const char* name;
  const char* alias;
  Node::Op op;
  bool unary;
};

constexpr OpName kOps[] = {
    {">", "gt", Node::Op::gt, false},
    {">=", "ge", Node::Op::ge, false},
    {"<", "lt", Node::Op::lt, false},
    {"<=", "le", Node::Op::le, false},
    {"==", "eq", Node::Op::eq, false},
    {"!=", "ne", Node::Op::ne, false},
    {"in", "in", Node::Op::in, false},
    {"between", "between", Node::Op::between, false},
    {"is_true", "true", Node::Op::is_true, true},
    {"is_false", "false", Node::Op::is_false, true},
    {"missing", "is_missing", Node::Op::missing, true},
};

std::string op_list() {
  std::string s;
  for (const auto& o : kOps) s += (s.empty() ? "" : ", ") + std::string(o.name);
  return s;
}

const char* op_name(Node::Op op) {
  for (const auto& o : kOps)
    if (o.op == op) return o.name;
  return "?";
}

double number_of(const json::value& v, const std::string& where) {
  if (v.is_bool()) return v.get_bool() ? 1.0 : 0.0;
  if (!v.is_number()) throw config_error(where + ": expected a number, got " + detail::json_kind(v));
  double x = v.to_number<double>();
  if (!std::isfinite(x)) throw config_error(where + ": expected a finite number, got " + detail::format_json(v));
  return x;
}

const char* const kConditionKeys = "field/op/value/optional, all, any, not, present";

}  // namespace

int ConditionSet::field_index(const std::string& name, bool optional) {
  for (std::size_t i = 0; i < fields_.size(); ++i)
    if (fields_[i] == name) {
      if (!optional) optional_[i] = 0;
      return static_cast<int>(i);
    }
  fields_.push_back(name);
  optional_.push_back(optional ? 1 : 0);
  return static_cast<int>(fields_.size() - 1);
}

namespace {

// Compiles a condition tree into postfix nodes; `fields` collects the fields it names.
struct Compiler {
  std::vector<Node>& out;
  std::vector<int>& fields;
  std::function<int(const std::string&, bool)> field_index;

  void compile(const json::value& v, const std::string& where, int depth) {
    if (depth > 64) throw config_error(where + ": conditions nested deeper than 64 levels");
    if (!v.is_object())
      throw config_error(where + ": expected a condition object (" + kConditionKeys + "), got " + detail::json_kind(v));
    const auto& o = v.get_object();
    auto has = [&](const char* k) { return o.contains(k); };
    auto only = [&](std::initializer_list<const char*> keys) {
      for (const auto& kv : o) {
        bool ok = false;
        for (const char* k : keys) ok = ok || kv.key() == k;
        if (!ok) {
          std::string allowed;
          for (const char* k : keys) allowed += (allowed.empty() ? "'" : ", '") + std::string(k) + "'";
          throw config_error(where + ": unknown key '" + std::string(kv.key()) + "'; expected " + allowed);
        }
      }
    };
    for (const char* k : {"all", "and", "any", "or"}) {
      if (!has(k)) continue;
      only({k});
      const auto& a = o.at(k);
      if (!a.is_array() || a.get_array().empty())
        throw config_error(where + "." + k + ": expected a non-empty list of conditions, got " +
                           (a.is_array() ? std::string("an empty list") : std::string(detail::json_kind(a))));
      int i = 0;
      for (const auto& c : a.get_array()) compile(c, where + "." + k + "[" + std::to_string(i++) + "]", depth + 1);
      Node n;
      n.kind = (std::string(k) == "all" || std::string(k) == "and") ? Node::Kind::all : Node::Kind::any;
      n.n_args = i;
      out.push_back(n);
      return;
    }
    if (has("not")) {
      only({"not"});
      compile(o.at("not"), where + ".not", depth + 1);
      Node n;
      n.kind = Node::Kind::negate;
      out.push_back(n);
      return;
    }
    if (has("present")) {
      only({"present"});
      const auto& f = o.at("present");
      if (!f.is_string() || f.get_string().empty())
        throw config_error(where + ".present: expected a field name, got " + detail::format_json(f));
      Node n;
      n.kind = Node::Kind::present;
      n.field = field_index(std::string(f.get_string()), true);
      fields.push_back(n.field);
      out.push_back(n);
      return;
    }
    if (!has("field"))
      throw config_error(where + ": expected one of the keys " + std::string(kConditionKeys) + "; got " +
                         detail::format_json(v));
    only({"field", "op", "value", "optional"});
    const auto& f = o.at("field");
    if (!f.is_string() || f.get_string().empty())
      throw config_error(where + ".field: expected a field name, got " + detail::format_json(f));
    bool optional = false;
    if (has("optional")) {
      if (!o.at("optional").is_bool()) throw config_error(where + ".optional: expected true or false");
      optional = o.at("optional").get_bool();
    }
    if (!has("op")) throw config_error(where + ".op: required; expected one of " + op_list());
    const auto& opv = o.at("op");
    if (!opv.is_string()) throw config_error(where + ".op: expected a string, got " + detail::json_kind(opv));
    std::string_view ops(opv.get_string());
    const OpName* found = nullptr;
    for (const auto& c : kOps)
      if (ops == c.name || ops == c.alias) found = &c;
    if (!found)
      throw config_error(where + ".op: unknown operator '" + std::string(ops) + "'; expected one of " + op_list());
    Node n;
    n.kind = Node::Kind::compare;
    n.op = found->op;
    if (found->unary) {
      if (has("value")) throw config_error(where + ".value: operator '" + found->name + "' takes no value");
    } else {
      if (!has("value")) throw config_error(where + ".value: required by operator '" + std::string(found->name) + "'");
      const auto& val = o.at("value");
      const std::string vw = where + ".value";
      if (n.op == Node::Op::in) {
        if (!val.is_array() || val.get_array().empty())
          throw config_error(vw + ": operator 'in' expects a non-empty list of numbers, got " +
                             detail::format_json(val));
        int i = 0;
        for (const auto& x : val.get_array()) n.values.push_back(number_of(x, vw + "[" + std::to_string(i++) + "]"));
      } else if (n.op == Node::Op::between) {
        if (!val.is_array() || val.get_array().size() != 2)
          throw config_error(vw + ": operator 'between' expects [low, high], got " + detail::format_json(val));
        n.value = number_of(val.get_array()[0], vw + "[0]");
        n.value2 = number_of(val.get_array()[1], vw + "[1]");
        if (n.value > n.value2)
          throw config_error(vw + ": 'between' bounds in the wrong order (" + detail::format_number(n.value) + " > " +
                             detail::format_number(n.value2) + ")");
      } else {
        n.value = number_of(val, vw);
      }
    }
    n.field = field_index(std::string(f.get_string()), optional);
    fields.push_back(n.field);
    out.push_back(n);
  }
};

json::value to_json_tree(const std::vector<Node>& prog, std::size_t& pos, const std::vector<std::string>& fields,
                         const std::vector<std::uint8_t>& optional_use) {
  // rebuild from the end of the postfix sequence backwards
  const Node& n = prog[pos];
  switch (n.kind) {
    case Node::Kind::present:
      return json::object{{"present", fields[static_cast<std::size_t>(n.field)]}};
    case Node::Kind::negate: {
      --pos;
      return json::object{{"not", to_json_tree(prog, pos, fields, optional_use)}};
    }
    case Node::Kind::all:
    case Node::Kind::any: {
      std::vector<json::value> args;
      for (int i = 0; i < n.n_args; ++i) {
        --pos;
        args.push_back(to_json_tree(prog, pos, fields, optional_use));
      }
      std::reverse(args.begin(), args.end());
      json::array a(args.begin(), args.end());
      return json::object{{n.kind == Node::Kind::all ? "all" : "any", std::move(a)}};
    }
    case Node::Kind::compare: {
      json::object o{{"field", fields[static_cast<std::size_t>(n.field)]}, {"op", op_name(n.op)}};
      if (n.op == Node::Op::in) {
        json::array a;
        for (double x : n.values) a.push_back(x);
        o["value"] = std::move(a);
      } else if (n.op == Node::Op::between) {
        o["value"] = json::array{n.value, n.value2};
      } else if (n.op != Node::Op::is_true && n.op != Node::Op::is_false && n.op != Node::Op::missing) {
        o["value"] = n.value;
      }
      if (optional_use[static_cast<std::size_t>(pos)]) o["optional"] = true;
      return o;
    }
  }
  return json::value();
}

}  // namespace

std::size_t ConditionSet::add(std::string_view text, const std::string& where) {
  json::value v = detail::parse_json(text, where);
  std::vector<Node> prog;
  std::vector<int> fields;
  // Optional flags per node (for serialisation): a comparison marked optional.
  Compiler c{prog, fields, [this](const std::string& n, bool opt) { return field_index(n, opt); }};
  // Compiling may add fields; a failure restores the field table, leaving the set unchanged.
  const auto fields_before = fields_;
  const auto optional_before = optional_;
  try {
    c.compile(v, where, 0);
  } catch (...) {
    fields_ = fields_before;
    optional_ = optional_before;
    throw;
  }
  // remember which comparisons were marked optional, by re-reading the JSON in postfix order
  std::vector<std::uint8_t> opt_use;
  std::function<void(const json::value&)> walk = [&](const json::value& x) {
    const auto& o = x.get_object();
    for (const char* k : {"all", "and", "any", "or"})
      if (o.contains(k)) {
        for (const auto& e : o.at(k).get_array()) walk(e);
        opt_use.push_back(0);
        return;
      }
    if (o.contains("not")) {
      walk(o.at("not"));
      opt_use.push_back(0);
      return;
    }
    opt_use.push_back(o.contains("optional") && o.at("optional").get_bool() ? 1 : 0);
  };
  walk(v);
  std::size_t pos = prog.size() - 1;
  json_.push_back(detail::dump_json(to_json_tree(prog, pos, fields_, opt_use)));
  std::sort(fields.begin(), fields.end());
  fields.erase(std::unique(fields.begin(), fields.end()), fields.end());
  programs_.push_back(std::move(prog));
  program_fields_.push_back(std::move(fields));
  return programs_.size() - 1;
}

std::size_t ConditionSet::add_true() {
  Node n;
  n.kind = Node::Kind::all;
  n.n_args = 0;
  programs_.push_back({n});
  program_fields_.emplace_back();
  json_.push_back("{\"all\":[]}");
  return programs_.size() - 1;
}

void ConditionSet::check_schema(const std::vector<std::string>& schema, const std::vector<std::string>& names) const {
  std::set<std::string, std::less<>> have(schema.begin(), schema.end());
  for (std::size_t c = 0; c < programs_.size(); ++c)
    for (int f : program_fields_[c]) {
      const auto& name = fields_[static_cast<std::size_t>(f)];
      if (optional_[static_cast<std::size_t>(f)] || have.count(name)) continue;
      std::string list;
      for (std::size_t i = 0; i < schema.size() && i < 40; ++i) list += (i ? ", " : "") + schema[i];
      if (schema.size() > 40) list += ", ...";
      std::string who = c < names.size() ? names[c] : "condition " + std::to_string(c);
      throw config_error(who + ": unknown field '" + name + "'; the schema has: " + list +
                         " (mark a field that may be absent with \"optional\": true, or test it with \"present\")");
    }
}

RowMatrixXu8 ConditionSet::evaluate(RecordsRef data, const std::vector<std::string>& columns, int workers,
                                    RowMatrixXu8* complete, std::vector<std::int64_t>* n_missing) const {
  const Eigen::Index n = data.rows();
  if (data.cols() != static_cast<Eigen::Index>(columns.size()))
    throw input_error("data: " + std::to_string(data.cols()) + " columns but " + std::to_string(columns.size()) +
                      " column names");
  // field -> data column, or -1 when the (optional) field is absent
  const std::size_t nf = fields_.size();
  std::vector<int> col(nf, -1);
  for (std::size_t f = 0; f < nf; ++f) {
    for (std::size_t j = 0; j < columns.size(); ++j)
      if (columns[j] == fields_[f]) {
        col[f] = static_cast<int>(j);
        break;
      }
    if (col[f] < 0 && !optional_[f]) {
      std::string list;
      for (std::size_t i = 0; i < columns.size() && i < 40; ++i) list += (i ? ", " : "") + columns[i];
      throw input_error("data: no column '" + fields_[f] + "' (a condition needs it); columns present: " + list);
    }
  }
  const std::size_t nc = programs_.size();
  RowMatrixXu8 out(n, static_cast<Eigen::Index>(nc));
  detail::advise_huge_pages(out);
  if (complete) {
    complete->resize(n, static_cast<Eigen::Index>(nc));
    detail::advise_huge_pages(*complete);
  }
  const double* base = data.data();
  const std::ptrdiff_t stride = data.outerStride();
  std::size_t max_depth = 1;
  for (const auto& p : programs_) max_depth = std::max(max_depth, p.size() + 1);

  // missing values per field, per worker (integers: identical for any number of workers)
  std::vector<std::vector<std::int64_t>> miss(static_cast<std::size_t>(detail::resolve_workers(workers)),
                                              std::vector<std::int64_t>(nf, 0));
  detail::parallel_for(n, workers, 1 << 13, [&](std::ptrdiff_t b, std::ptrdiff_t e, int w) {
    std::int64_t* mw = miss[static_cast<std::size_t>(w)].data();
    std::vector<double> tile(nf * kTile);
    std::vector<std::uint8_t> stack(max_depth * kTile);
    std::vector<std::uint8_t> okf(nf * kTile);  // field present and not missing
    for (std::ptrdiff_t i0 = b; i0 < e; i0 += kTile) {
      const int rows = static_cast<int>(std::min<std::ptrdiff_t>(kTile, e - i0));
      for (std::size_t f = 0; f < nf; ++f) {
        double* t = tile.data() + f * kTile;
        std::uint8_t* ok = okf.data() + f * kTile;
        if (col[f] < 0) {
          for (int r = 0; r < kTile; ++r) t[r] = std::numeric_limits<double>::quiet_NaN();
        } else {
          const double* src = base + col[f];
          for (int r = 0; r < rows; ++r) t[r] = src[(i0 + r) * stride];
          for (int r = rows; r < kTile; ++r) t[r] = 0.0;
        }
        std::int64_t m = 0;
        for (int r = 0; r < kTile; ++r) {
          ok[r] = t[r] == t[r];
          m += r < rows && col[f] >= 0 && !ok[r];
        }
        mw[f] += m;
      }
      for (std::size_t c = 0; c < nc; ++c) {
        std::size_t sp = 0;  // stack size
        for (const Node& nd : programs_[c]) {
          std::uint8_t* s = stack.data() + sp * kTile;
          switch (nd.kind) {
            case Node::Kind::present: {
              const std::uint8_t* ok = okf.data() + static_cast<std::size_t>(nd.field) * kTile;
              for (int r = 0; r < kTile; ++r) s[r] = ok[r];
              ++sp;
              break;
            }
            case Node::Kind::compare: {
              const double* x = tile.data() + static_cast<std::size_t>(nd.field) * kTile;
              const double v = nd.value, v2 = nd.value2;
              // comparisons with NaN are false, so a missing value fails every test but `missing`
              switch (nd.op) {
                case Node::Op::gt:
                  for (int r = 0; r < kTile; ++r) s[r] = x[r] > v;
                  break;
                case Node::Op::ge:
                  for (int r = 0; r < kTile; ++r) s[r] = x[r] >= v;
                  break;
                case Node::Op::lt:
                  for (int r = 0; r < kTile; ++r) s[r] = x[r] < v;
                  break;
                case Node::Op::le:
                  for (int r = 0; r < kTile; ++r) s[r] = x[r] <= v;
                  break;
                case Node::Op::eq:
                  for (int r = 0; r < kTile; ++r) s[r] = x[r] == v;
                  break;
                case Node::Op::ne:
                  for (int r = 0; r < kTile; ++r) s[r] = (x[r] == x[r]) & (x[r] != v);
                  break;
                case Node::Op::between:
                  for (int r = 0; r < kTile; ++r) s[r] = (x[r] >= v) & (x[r] <= v2);
                  break;
                case Node::Op::in:
                  for (int r = 0; r < kTile; ++r) s[r] = 0;
                  for (double w : nd.values)
                    for (int r = 0; r < kTile; ++r) s[r] |= x[r] == w;
                  break;
                case Node::Op::is_true:
                  for (int r = 0; r < kTile; ++r) s[r] = (x[r] == x[r]) & (x[r] != 0.0);
                  break;
                case Node::Op::is_false:
                  for (int r = 0; r < kTile; ++r) s[r] = x[r] == 0.0;
                  break;
                case Node::Op::missing:
                  for (int r = 0; r < kTile; ++r) s[r] = x[r] != x[r];
                  break;
              }
              ++sp;
              break;
            }
            case Node::Kind::negate: {
              std::uint8_t* t = s - kTile;
              for (int r = 0; r < kTile; ++r) t[r] = !t[r];
              break;
            }
            case Node::Kind::all:
            case Node::Kind::any: {
              const int k = nd.n_args;
              if (k == 0) {  // the always-true condition
                for (int r = 0; r < kTile; ++r) s[r] = 1;
                ++sp;
                break;
              }
              std::uint8_t* first = stack.data() + (sp - static_cast<std::size_t>(k)) * kTile;
              for (int a = 1; a < k; ++a) {
                const std::uint8_t* t = first + static_cast<std::size_t>(a) * kTile;
                if (nd.kind == Node::Kind::all)
                  for (int r = 0; r < kTile; ++r) first[r] &= t[r];
                else
                  for (int r = 0; r < kTile; ++r) first[r] |= t[r];
              }
              sp -= static_cast<std::size_t>(k - 1);
              break;
            }
          }
        }
        const std::uint8_t* res = stack.data();
        for (int r = 0; r < rows; ++r) out(i0 + r, static_cast<Eigen::Index>(c)) = res[r];
        if (complete) {
          std::uint8_t* all = stack.data() + kTile;  // scratch above the result
          for (int r = 0; r < kTile; ++r) all[r] = 1;
          for (int f : program_fields_[c]) {
            const std::uint8_t* ok = okf.data() + static_cast<std::size_t>(f) * kTile;
            for (int r = 0; r < kTile; ++r) all[r] &= ok[r];
          }
          for (int r = 0; r < rows; ++r) (*complete)(i0 + r, static_cast<Eigen::Index>(c)) = all[r];
        }
      }
    }
  });
  if (n_missing) {
    n_missing->assign(nf, 0);
    for (const auto& mw : miss)
      for (std::size_t f = 0; f < nf; ++f) (*n_missing)[f] += mw[f];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Need rules

std::vector<std::string> NeedRuleSet::action_list() const {
  std::vector<std::string> out;
  for (const auto& r : rules)
    for (const auto& a : r.actions)
      if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
  return out;
}

void NeedRuleSet::check_schema(const std::vector<std::string>& schema) const {
  std::vector<std::string> names;
  for (const auto& r : rules) names.push_back("rule '" + r.id + "'");
  conditions.check_schema(schema, names);
}

bool NeedRuleSet::operator==(const NeedRuleSet& o) const {
  if (rules.size() != o.rules.size() || description != o.description || !(conditions == o.conditions)) return false;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const auto &a = rules[i], &b = o.rules[i];
    if (a.id != b.id || a.description != b.description || a.source != b.source || a.needs != b.needs ||
        a.actions != b.actions)
      return false;
  }
  return true;
}

namespace {

json::value rules_to_json(const NeedRuleSet& s) {
  json::array rs;
  for (std::size_t i = 0; i < s.rules.size(); ++i) {
    const auto& r = s.rules[i];
    json::array needs, actions;
    for (auto nd : r.needs) needs.push_back(json::string(to_string(nd)));
    for (const auto& a : r.actions) actions.push_back(json::string(a));
    json::object o{{"id", r.id}, {"when", json::parse(s.conditions.condition_json(i))}};
    o["needs"] = std::move(needs);
    o["actions"] = std::move(actions);
    if (!r.description.empty()) o["description"] = r.description;
    if (!r.source.empty()) o["source"] = r.source;
    rs.push_back(std::move(o));
  }
  json::object top;
  if (!s.description.empty()) top["description"] = s.description;
  top["rules"] = std::move(rs);
  return top;
}

}  // namespace

void NeedRuleSet::extend(const NeedRuleSet& other) {
  json::value a = rules_to_json(*this), b = rules_to_json(other);
  for (auto& r : b.as_object()["rules"].as_array()) a.as_object()["rules"].as_array().push_back(r);
  *this = need_rules_from_json(detail::dump_json(a));
}

std::string to_json(const NeedRuleSet& rules) {
  return detail::dump_json(rules_to_json(rules));
}

NeedRuleSet need_rules_from_json(std::string_view text, const std::vector<std::string>& schema) {
  json::value v = detail::parse_json(text, "need rules");
  NeedRuleSet s;
  detail::ObjectReader top(v, "rules");
  top.string("description", s.description);
  const json::value* rv = top.raw("rules");
  top.finish();
  if (!rv) throw config_error("rules: the key 'rules' (a list of rules) is required");
  if (!rv->is_array())
    throw config_error("rules.rules: expected a list of rules, got " + std::string(detail::json_kind(*rv)));
  std::size_t i = 0;
  for (const auto& item : rv->get_array()) {
    std::string path = "rules[" + std::to_string(i++) + "]";
    NeedRule r;
    detail::ObjectReader ir(item, path);
    ir.string("id", r.id);
    if (r.id.empty()) throw config_error(path + ".id: required (a non-empty name)");
    path += " ('" + r.id + "')";
    for (const auto& prev : s.rules)
      if (prev.id == r.id) throw config_error(path + ".id: duplicate rule id '" + r.id + "'");
    ir.string("description", r.description);
    ir.string("source", r.source);
    const json::value* when = ir.raw("when");
    const json::value* needs = ir.raw("needs");
    const json::value* actions = ir.raw("actions");
    ir.finish();
    if (!when) throw config_error(path + ".when: required (the condition)");
    if (needs) {
      if (!needs->is_array()) throw config_error(path + ".needs: expected a list of need names");
      std::size_t j = 0;
      for (const auto& nv : needs->get_array()) {
        std::string w = path + ".needs[" + std::to_string(j++) + "]";
        if (!nv.is_string()) throw config_error(w + ": expected a need name, got " + detail::json_kind(nv));
        try {
          HumanNeed h = parse<HumanNeed>(std::string_view(nv.get_string()));
          if (std::find(r.needs.begin(), r.needs.end(), h) == r.needs.end()) r.needs.push_back(h);
        } catch (const config_error& e) {
          throw config_error(w + ": " + e.what());
        }
      }
    }
    if (actions) {
      if (!actions->is_array()) throw config_error(path + ".actions: expected a list of strings");
      std::size_t j = 0;
      for (const auto& av : actions->get_array()) {
        if (!av.is_string() || av.get_string().empty())
          throw config_error(path + ".actions[" + std::to_string(j) + "]: expected a non-empty string");
        ++j;
        r.actions.emplace_back(av.get_string());
      }
    }
    if (r.needs.empty() && r.actions.empty()) throw config_error(path + ": a rule needs at least one need or action");
    s.conditions.add(detail::dump_json(*when), path + ".when");
    s.rules.push_back(std::move(r));
  }
  if (!schema.empty()) s.check_schema(schema);
  return s;
}

NeedsEvaluation evaluate_needs(const NeedRuleSet& rules, RecordsRef data, const std::vector<std::string>& columns,
                               int workers) {
  NeedsEvaluation ev;
  ev.fired = rules.conditions.evaluate(data, columns, workers, nullptr, &ev.field_missing);
  const Eigen::Index n = data.rows();
  const std::size_t nr = rules.rules.size();
  constexpr std::size_t kNeeds = enum_size<HumanNeed>();
  const auto actions = rules.action_list();
  const std::size_t na = actions.size();
  // For each need and action, the rules that trigger it as a bit set (64 rules a word): a
  // record has the need when its fired-rule bits meet the need's mask. Branch-free per row.
  const std::size_t words = (nr + 63) / 64;
  std::vector<std::uint64_t> need_mask(kNeeds * words, 0), act_mask(na * words, 0);
  for (std::size_t r = 0; r < nr; ++r) {
    const std::uint64_t bit = std::uint64_t{1} << (r & 63);
    for (auto h : rules.rules[r].needs) need_mask[static_cast<std::size_t>(h) * words + (r >> 6)] |= bit;
    for (const auto& a : rules.rules[r].actions) {
      auto k = static_cast<std::size_t>(std::find(actions.begin(), actions.end(), a) - actions.begin());
      act_mask[k * words + (r >> 6)] |= bit;
    }
  }
  ev.needs.resize(n, static_cast<Eigen::Index>(kNeeds));
  ev.actions.resize(n, static_cast<Eigen::Index>(na));
  detail::advise_huge_pages(ev.needs);
  detail::advise_huge_pages(ev.actions);
  const int nw = detail::resolve_workers(workers);
  // integer counts per worker, summed afterwards: identical for any number of workers
  std::vector<std::vector<std::int64_t>> rc(static_cast<std::size_t>(nw), std::vector<std::int64_t>(nr, 0));
  std::vector<std::vector<std::int64_t>> nc(static_cast<std::size_t>(nw), std::vector<std::int64_t>(kNeeds, 0));
  std::uint8_t* const needs_out = ev.needs.data();
  std::uint8_t* const acts_out = ev.actions.data();
  const std::uint8_t* const fired = ev.fired.data();
  detail::parallel_for(n, workers, 1 << 14, [&](std::ptrdiff_t b, std::ptrdiff_t e, int w) {
    // locals, not captures: byte stores may alias anything reached through a reference
    const std::size_t NR = nr, W = words, NA = na;
    std::int64_t* rcw = rc[static_cast<std::size_t>(w)].data();
    std::int64_t* ncw = nc[static_cast<std::size_t>(w)].data();
    constexpr int kRows = 256;
    // fired-rule bits of a block of rows, kRows x words; a local array, so the byte
    // stores below cannot alias it and the loops stay in registers
    std::vector<std::uint64_t> bits(static_cast<std::size_t>(kRows) * words);
    std::uint64_t* bt = bits.data();
    for (std::ptrdiff_t i0 = b; i0 < e; i0 += kRows) {
      const int rows = static_cast<int>(std::min<std::ptrdiff_t>(kRows, e - i0));
      const std::uint8_t* f = fired + i0 * static_cast<std::ptrdiff_t>(nr);
      for (int r = 0; r < rows; ++r) {
        const std::uint8_t* fr = f + static_cast<std::size_t>(r) * NR;
        std::uint64_t* br = bt + static_cast<std::size_t>(r) * W;
        for (std::size_t q0 = 0; q0 < W; ++q0) {  // accumulate each word in a register
          std::uint64_t v = 0;
          const std::size_t q1 = std::min(NR, (q0 + 1) * 64);
          for (std::size_t q = q0 * 64; q < q1; ++q) v |= static_cast<std::uint64_t>(fr[q]) << (q & 63);
          br[q0] = v;
        }
      }
      for (std::size_t q = 0; q < NR; ++q) {
        std::int64_t c = 0;
        for (int r = 0; r < rows; ++r) c += (bt[static_cast<std::size_t>(r) * W + (q >> 6)] >> (q & 63)) & 1;
        rcw[q] += c;
      }
      auto spread = [&](const std::uint64_t* mask, std::size_t k, std::uint8_t* out, std::size_t width) {
        std::int64_t c = 0;
        std::uint8_t* dst = out + i0 * static_cast<std::ptrdiff_t>(width) + static_cast<std::ptrdiff_t>(k);
        if (W == 1) {
          const std::uint64_t m = mask[k];
          for (int r = 0; r < rows; ++r) {
            const std::uint8_t v = (bt[r] & m) != 0;
            dst[static_cast<std::size_t>(r) * width] = v;
            c += v;
          }
        } else {
          for (int r = 0; r < rows; ++r) {
            std::uint64_t hit = 0;
            for (std::size_t q = 0; q < W; ++q) hit |= bt[static_cast<std::size_t>(r) * W + q] & mask[k * W + q];
            dst[static_cast<std::size_t>(r) * width] = hit != 0;
            c += hit != 0;
          }
        }
        return c;
      };
      for (std::size_t k = 0; k < kNeeds; ++k) ncw[k] += spread(need_mask.data(), k, needs_out, kNeeds);
      for (std::size_t k = 0; k < NA; ++k) spread(act_mask.data(), k, acts_out, NA);
    }
  });
  ev.rule_counts.assign(nr, 0);
  ev.need_counts.assign(kNeeds, 0);
  for (int w = 0; w < nw; ++w) {
    for (std::size_t r = 0; r < nr; ++r) ev.rule_counts[r] += rc[static_cast<std::size_t>(w)][r];
    for (std::size_t k = 0; k < kNeeds; ++k) ev.need_counts[k] += nc[static_cast<std::size_t>(w)][k];
  }
  return ev;
}

}  // namespace servscore
