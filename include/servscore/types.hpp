/**
 * @file types.hpp
 * @brief Matrix and vector types shared by every area.
 *
 * Record batches are row-major (n records x k items) so that C-contiguous numpy
 * arrays map onto them without a copy.
 */
#pragma once

#include <Eigen/Core>
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

}  // namespace servscore
