#pragma once
// Reading a whole JSON file, with errors that name the file. Only the headers that parse JSON data
// files include this (nlohmann/json.hpp is heavy to compile).
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "ink/core/error.hpp"

namespace ink::data::detail {

inline std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    INK_CHECK(in, path.string(), ": cannot open: ", std::strerror(errno));
    std::string text;
    in.seekg(0, std::ios::end);
    text.resize(static_cast<std::size_t>(in.tellg()));
    in.seekg(0);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    INK_CHECK(in, path.string(), ": read error");
    return text;
}

inline nlohmann::json read_json_file(const std::filesystem::path& path) {
    const std::string text = read_file(path);
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        ::ink::detail::fail(path.string(), ": invalid JSON: ", e.what());
    }
}

}  // namespace ink::data::detail
