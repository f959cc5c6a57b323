#pragma once
// CSV files of training curves (epoch, train loss, test loss, ...): a header row and one row per
// record, as RFC 4180 describes, readable by pandas, gnuplot and spreadsheets.
//
// CsvWriter keeps the table in memory and save() rewrites the whole file atomically, so a training
// loop can save after every epoch and a crash never leaves a torn last line.
#include <concepts>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "ink/core/charconv.hpp"
#include "ink/core/error.hpp"
#include "ink/io/atomic_file.hpp"

namespace ink::util {

class CsvWriter {
public:
    // One field, formatted when the row is added: numbers as the shortest text that reads back
    // exactly (0.1f is "0.1", not "0.100000001"; NaN is "nan"),
    // text quoted when it holds a comma, a quote or a line break.
    class Cell {
    public:
        template <std::integral I>
        Cell(I v) : text_(std::to_string(v)) {}
        template <std::floating_point F>
        Cell(F v) {
            char buf[64];
            text_.assign(buf, detail::shortest_decimal(buf, buf + sizeof buf, v));
        }
        Cell(std::string_view s) : text_(quote(s)) {}
        Cell(const char* s) : Cell(std::string_view(s)) {}
        Cell(const std::string& s) : Cell(std::string_view(s)) {}
        const std::string& text() const { return text_; }

    private:
        static std::string quote(std::string_view s) {
            if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
            std::string q = "\"";
            for (const char c : s) {
                if (c == '"') q += '"';
                q += c;
            }
            return q + '"';
        }
        std::string text_;
    };

    explicit CsvWriter(const std::vector<std::string>& columns) : columns_(columns.size()) {
        INK_CHECK(!columns.empty(), "CsvWriter: expected at least one column");
        write_fields(std::vector<Cell>(columns.begin(), columns.end()));
    }

    void add_row(std::initializer_list<Cell> row) {
        write_fields(row);
        ++rows_;
    }
    void add_row(const std::vector<Cell>& row) {
        write_fields(row);
        ++rows_;
    }

    std::size_t rows() const { return rows_; }  // data rows, without the header
    const std::string& str() const { return text_; }

    // Replaces `path` atomically with the table; throws ink::Error naming the path on failure.
    void save(const std::string& path) const {
        io::write_file_atomically(path, [&](io::AtomicFile& file) { file.write(text_.data(), text_.size()); });
    }

private:
    template <class Row>
    void write_fields(const Row& row) {
        INK_CHECK(row.size() == columns_, "CsvWriter: a row of ", row.size(), " fields in a table of ", columns_,
                  " columns");
        bool first = true;
        for (const Cell& c : row) {
            if (!first) text_ += ',';
            text_ += c.text();
            first = false;
        }
        text_ += '\n';
    }

    std::size_t columns_;
    std::size_t rows_ = 0;
    std::string text_;
};

}  // namespace ink::util
