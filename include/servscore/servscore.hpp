/**
 * @file servscore.hpp
 * @brief Everything servscore offers: include this one header, or the header of one area.
 */
#pragma once

#include "servscore/encounters.hpp"
#include "servscore/errors.hpp"
#include "servscore/model.hpp"
#include "servscore/types.hpp"
#include "servscore/version.hpp"
// areas: add one include per new area below this line
#include "servscore/agreement.hpp"
#include "servscore/defection.hpp"
#include "servscore/drivers.hpp"
#include "servscore/economics.hpp"
#include "servscore/impressions.hpp"
#include "servscore/interactions.hpp"
#include "servscore/kano.hpp"
#include "servscore/lifecycle.hpp"
#include "servscore/loyalty.hpp"
#include "servscore/moments.hpp"
#include "servscore/needs.hpp"
#include "servscore/nps.hpp"
#include "servscore/omega.hpp"
#include "servscore/pls.hpp"
#include "servscore/reliability.hpp"
#include "servscore/servqual.hpp"
#include "servscore/standards.hpp"
#include "servscore/stats.hpp"
#include "servscore/styles.hpp"
#include "servscore/text.hpp"
