/**
 * @file types.hpp
 * @brief Matrix and vector types shared by every area.
 *
 * Record batches are row-major (n records x k items) so that C-contiguous numpy
 * arrays map onto them without a copy.
 */
#pragma once

#include <Eigen/Core>
#include <cstddef>
#include <cstdint>

namespace servscore {

/** @brief Row-major dynamic double matrix: one row per record, one column per item. */
using RowMatrixXd = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
/** @brief Row-major dynamic int8 matrix, for compact answer codes. */
using RowMatrixXi8 = Eigen::Matrix<std::int8_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
/** @brief Read-only view of a record batch. */
using RecordsRef = Eigen::Ref<const RowMatrixXd>;
/** @brief Vector of int32 codes (groups, categories). */
using VectorXi32 = Eigen::Matrix<std::int32_t, Eigen::Dynamic, 1>;
/** @brief Vector of int8 codes. */
using VectorXi8 = Eigen::Matrix<std::int8_t, Eigen::Dynamic, 1>;

/**
 * @brief One column of doubles read in place: value r at `data[r * stride]`.
 *
 * A list of views describes records stored in any layout without a copy: the columns of
 * a pandas DataFrame (each contiguous), a Fortran-ordered array (stride 1) or a C-ordered
 * array (stride = number of columns).
 */
struct ColumnView {
  const double* data = nullptr;  ///< first value
  std::ptrdiff_t stride = 1;     ///< distance between consecutive values, in doubles
};

}  // namespace servscore
