// Every from_bytes of a mergeable state, chosen by the first byte (mod 18); the rest is the image.
// Oracles: only servscore::error escapes (no bad_alloc: sizes are checked before allocating);
// an accepted image writes back to the same bytes (value equality is not asked: a state may hold
// NaN moments, which compare unequal); merging it with itself
// and computing its results raise nothing but servscore::error.
#include <optional>
#include <vector>

#include "fuzz_target.hpp"
#include "servscore/agreement.hpp"
#include "servscore/encounters.hpp"
#include "servscore/interactions.hpp"
#include "servscore/kano.hpp"
#include "servscore/lifecycle.hpp"
#include "servscore/loyalty.hpp"
#include "servscore/moments.hpp"
#include "servscore/needs.hpp"
#include "servscore/nps.hpp"
#include "servscore/reliability.hpp"
#include "servscore/servqual.hpp"
#include "servscore/standards.hpp"

namespace {

using servscore::fuzz::only_servscore_errors;

template <class S>
std::optional<S> read_back(const char* what, std::string_view bytes) {
  std::optional<S> s;
  only_servscore_errors([&] { s.emplace(S::from_bytes(bytes)); });
  if (!s) return s;
  const std::string b = s->to_bytes();
  std::optional<S> t;
  try {
    t.emplace(S::from_bytes(b));
  } catch (const servscore::error& e) {
    servscore::fuzz::fail(std::string(what) + ": to_bytes output refused: " + e.what());
  }
  SS_FUZZ_CHECK(t->to_bytes() == b, std::string(what) + ": to_bytes is not a fixed point");
  return s;
}

}  // namespace

SERVSCORE_FUZZ_TARGET(state_bytes) {
  using namespace servscore;
  if (size == 0) return 0;
  const std::string_view b = fuzz::text(data + 1, size - 1);
  switch (data[0] % 19) {  // new formats take new selectors: stored inputs (first bytes 0-17) keep theirs
    case 0:
      if (auto m = read_back<Moments>("Moments", b)) {
        only_servscore_errors([&] {
          (void)m->covariance();
          (void)m->correlation();
          (void)m->effective_n();
          Moments twice = *m;
          twice.merge(*m);
        });
      }
      break;
    case 1:
      if (auto r = read_back<ResponseCounts>("ResponseCounts", b)) {
        only_servscore_errors([&] {
          ResponseCounts twice = *r;
          twice.merge(*r);
          (void)nps_estimates(*r, NpsConfig{});
          (void)box_estimates(*r, BoxConfig{});
        });
      }
      break;
    case 2:
      if (auto k = read_back<KanoAccumulator>("KanoAccumulator", b)) {
        only_servscore_errors([&] {
          KanoAccumulator twice = *k;
          twice.merge(*k);
          (void)summarize_kano(twice);
        });
      }
      break;
    case 3:
      if (auto s = read_back<ServqualAccumulator>("ServqualAccumulator", b)) {
        only_servscore_errors([&] {
          ServqualAccumulator twice = *s;
          twice.merge(*s);
          (void)twice.result();
        });
      }
      break;
    case 4:
      if (auto z = read_back<ZotAccumulator>("ZotAccumulator", b)) {
        only_servscore_errors([&] {
          ZotAccumulator twice = *z;
          twice.merge(*z);
          (void)twice.result();
        });
      }
      break;
    case 5:
      if (auto a = read_back<AlphaAccumulator>("AlphaAccumulator", b)) {
        only_servscore_errors([&] { (void)a->result(); });
      }
      break;
    case 6:
      if (auto n = read_back<NeedsState>("NeedsState", b)) {
        only_servscore_errors([&] {
          NeedsState twice = *n;
          twice.merge(*n);
          (void)twice.result();
        });
      }
      break;
    case 7:
      if (auto l = read_back<LoyaltyState>("LoyaltyState", b)) {
        only_servscore_errors([&] {
          LoyaltyState twice = *l;
          twice.merge(*l);
          (void)twice.result();
          (void)twice.rows();
        });
      }
      break;
    case 8:
      if (auto t = read_back<MomentsState>("MomentsState", b)) {
        only_servscore_errors([&] {
          MomentsState twice = *t;
          twice.merge(*t);
          (void)twice.result();
          (void)twice.rows();
        });
      }
      break;
    case 9:
      if (auto e = read_back<EncounterSummaryState>("EncounterSummaryState", b)) {
        only_servscore_errors([&] {
          EncounterSummaryState twice = *e;
          twice.merge(*e);
          (void)twice.result();
          (void)twice.result(false);
          (void)twice.rows();
        });
      }
      break;
    case 10:
      if (auto c = read_back<ComplianceState>("ComplianceState", b)) {
        only_servscore_errors([&] {
          ComplianceState twice = *c;
          twice.merge(*c);
          (void)twice.result();
          (void)twice.result(false);
          (void)twice.rows();
        });
      }
      break;
    case 11:
      if (auto t = read_back<TimeState>("TimeState", b)) {
        only_servscore_errors([&] {
          TimeState twice = *t;
          twice.merge(*t);
          Eigen::MatrixXd exact;
          (void)twice.result(true, &exact);
          (void)twice.result(false);
        });
      }
      break;
    case 12:
      if (auto i = read_back<IccState>("IccState", b)) {
        only_servscore_errors([&] {
          IccState twice = *i;
          twice.merge(*i);
          (void)icc(twice);
        });
      }
      break;
    case 13:
      if (auto k = read_back<KappaState>("KappaState", b)) {
        only_servscore_errors([&] {
          KappaState twice = *k;
          twice.merge(*k);
          const int c = twice.categories.size();
          const RowMatrixXd table = twice.table.cast<double>();
          (void)cohen_kappa(table, kappa_weights(c, "unweighted"));
          if (c >= 2) (void)cohen_kappa(table, kappa_weights(c, "quadratic"), 0.95, KappaVariance::psych);
        });
      }
      break;
    case 14:
      if (auto f = read_back<FleissState>("FleissState", b)) {
        only_servscore_errors([&] {
          FleissState twice = *f;
          twice.merge(*f);
          (void)fleiss_kappa(twice);
        });
      }
      break;
    case 15:
      if (auto k = read_back<KrippendorffState>("KrippendorffState", b)) {
        only_servscore_errors([&] {
          KrippendorffState twice = *k;
          twice.merge(*k);
          const Eigen::VectorXd values =
              Eigen::VectorXd::LinSpaced(twice.categories.size(), 1, twice.categories.size());
          for (auto metric : {KrippendorffMetric::nominal, KrippendorffMetric::ordinal, KrippendorffMetric::interval,
                              KrippendorffMetric::ratio})
            (void)krippendorff_alpha(twice.coincidence, metric, values);
        });
      }
      break;
    case 16:
      if (auto g = read_back<GroupedResponses>("GroupedResponses", b)) {
        only_servscore_errors([&] {
          GroupedResponses twice = *g;
          twice.merge(*g);
          const GroupedResponses sorted = twice.sorted();
          (void)nps_estimates(sorted.counts, NpsConfig{});
          (void)box_estimates(sorted.counts, BoxConfig{});
        });
      }
      break;
    case 17:
      if (auto l = read_back<LifecycleState>("LifecycleState", b)) {
        only_servscore_errors([&] {
          LifecycleState twice = *l;
          twice.merge(*l);
          (void)twice.result();
          (void)twice.result(false);
          (void)twice.rows();
        });
      }
      break;
    case 18:
      if (auto r = read_back<InteractionRatesState>("InteractionRatesState", b)) {
        only_servscore_errors([&] {
          InteractionRatesState twice = *r;
          twice.merge(*r);
          (void)twice.result();
          (void)twice.result(false);
          (void)twice.result_of({-1, 0});
          (void)twice.rows();
        });
      }
      break;
  }
  return 0;
}
