// Internal: the block kernels of encounter scoring (not installed).
#pragma once

#include <cstdint>

namespace servscore::detail {

/** Rows per transposed block: every column of a block is a contiguous run of kTile rows. */
constexpr int kEncounterTile = 16;

/**
 * What a block kernel needs. Each side's columns are listed by weight, largest first, then by
 * column index (the order in which "the weakest indicator" breaks ties), with their weights.
 */
struct EncounterTileParams {
  const int* cols[2];
  const double* w[2];
  int m[2];
  double lo, hi, to100, need[2], tp, tq;
  bool unit[2];  ///< every weight of the side is 1 (no products needed)
};

/** Where a block kernel writes its rows (each pointer at the block's first row). */
struct EncounterTileOut {
  double *proc, *pers, *dist, *gap;
  std::int8_t* quad;
  std::int32_t *weak0, *weak1, *miss;
};

/**
 * Scores `rows` (<= kEncounterTile) rows of a block given by column: block[j] points to
 * kEncounterTile contiguous ratings of column j (rows past `rows` padded with scale_min).
 * Returns true when a rating is outside the scale (the caller finds and reports it). Both
 * kernels give bit-identical results.
 */
bool score_tile_portable(const EncounterTileParams& kp, const double* const* block, int rows,
                         const EncounterTileOut& o);
/** The AVX-512 (F/DQ/VL/BW) kernel; call only when `encounter_kernel_supported(avx512)`. */
bool score_tile_avx512(const EncounterTileParams& kp, const double* const* block, int rows, const EncounterTileOut& o);

}  // namespace servscore::detail
