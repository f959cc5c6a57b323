#pragma once
// The names of the ten classes of MNIST and fashion-MNIST, index = label, for legends and captions.
#include <string>
#include <vector>

namespace ink::data {

// The digits "0" .. "9".
inline std::vector<std::string> mnist_class_names() { return {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}; }

// fashion-MNIST's labels 0..9 as its authors name them (Xiao, Rasul and Vollgraf, 2017).
inline std::vector<std::string> fashion_mnist_class_names() {
    return {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
}

}  // namespace ink::data
