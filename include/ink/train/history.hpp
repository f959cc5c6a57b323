#pragma once
// History: the table a training run keeps, one row per epoch (or per logging period), e.g.
//
//     epoch,train_loss,valid_loss,seconds
//     1,71.25,70.5,12.5
//
// It is written as a CSV file (util/csv.hpp, atomically), drawn as a line plot of chosen columns
// against the first one (util/plot.hpp), and kept inside the run's checkpoint as that same CSV text,
// so a resumed run continues its table. Numbers are written as the shortest text that reads back
// exactly; reading is strict (ink::parse_number), except that "nan", "inf" and "-inf" are read back
// too: a diverged loss must not make its checkpoint unreadable.
#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ink/core/error.hpp"
#include "ink/core/parse.hpp"
#include "ink/util/csv.hpp"
#include "ink/util/plot.hpp"
#include "ink/util/png.hpp"

namespace ink::train {

// A double from text written by CsvWriter (or std::to_chars): strict, but non-finite values allowed.
inline double parse_real(std::string_view text, std::string_view what) {
    if (text == "nan" || text == "-nan") return std::numeric_limits<double>::quiet_NaN();
    if (text == "inf") return std::numeric_limits<double>::infinity();
    if (text == "-inf") return -std::numeric_limits<double>::infinity();
    return parse_number<double>(text, what);
}

class History {
public:
    History() = default;
    explicit History(std::vector<std::string> columns) : columns_(std::move(columns)) {
        INK_CHECK(!columns_.empty(), "History: expected at least one column");
        for (const auto& c : columns_)
            INK_CHECK(!c.empty() && c.find_first_of(",\"\r\n") == std::string::npos, "History: column name '", c,
                      "' must be non-empty, without commas, quotes or line breaks");
    }

    const std::vector<std::string>& columns() const { return columns_; }
    std::size_t size() const { return rows_.size(); }
    bool empty() const { return rows_.empty(); }
    const std::vector<double>& row(std::size_t i) const { return rows_.at(i); }

    void add_row(std::vector<double> row) {
        INK_CHECK(row.size() == columns_.size(), "History: a row of ", row.size(), " values in a table of ",
                  columns_.size(), " columns");
        rows_.push_back(std::move(row));
    }

    // The values of the column `name`, one per row.
    std::vector<double> column(std::string_view name) const {
        std::size_t c = 0;
        while (c < columns_.size() && columns_[c] != name) ++c;
        INK_CHECK(c < columns_.size(), "History: no column '", name, "'");
        std::vector<double> out;
        for (const auto& r : rows_) out.push_back(r[c]);
        return out;
    }

    std::string csv() const { return writer().str(); }
    void save_csv(const std::string& path) const { writer().save(path); }

    // Reads csv()'s text back; `source` names it in errors (e.g. "checkpoint 'run/model.safetensors'").
    static History from_csv(std::string_view text, const std::string& source) {
        std::vector<std::vector<std::string_view>> lines;
        while (!text.empty()) {
            const auto end = text.find('\n');
            INK_CHECK(end != std::string_view::npos, source, ": history line ", lines.size() + 1, " does not end");
            std::vector<std::string_view> fields;
            std::string_view line = text.substr(0, end);
            for (std::size_t comma; (comma = line.find(',')) != std::string_view::npos; line.remove_prefix(comma + 1))
                fields.push_back(line.substr(0, comma));
            fields.push_back(line);
            lines.push_back(std::move(fields));
            text.remove_prefix(end + 1);
        }
        INK_CHECK(!lines.empty(), source, ": the history has no header line");
        History h(std::vector<std::string>(lines[0].begin(), lines[0].end()));
        for (std::size_t l = 1; l < lines.size(); ++l) {
            INK_CHECK(lines[l].size() == h.columns_.size(), source, ": history line ", l + 1, " has ", lines[l].size(),
                      " fields, expected ", h.columns_.size());
            std::vector<double> row;
            for (std::size_t c = 0; c < lines[l].size(); ++c)
                row.push_back(parse_real(lines[l][c], source + ": history line " + std::to_string(l + 1) + ", column '" +
                                                          h.columns_[c] + "'"));
            h.rows_.push_back(std::move(row));
        }
        return h;
    }

    // A line plot of the named columns (legend label, column) against the first column.
    util::Image plot(const std::vector<std::pair<std::string, std::string>>& series, const util::PlotOptions& opt) const {
        std::vector<util::Series> curves;
        const std::vector<double> x = column(columns_.front());
        for (const auto& [label, name] : series) curves.push_back({label, x, column(name)});
        return util::line_plot(curves, opt);
    }

private:
    util::CsvWriter writer() const {
        util::CsvWriter w(columns_);
        for (const auto& r : rows_) w.add_row(std::vector<util::CsvWriter::Cell>(r.begin(), r.end()));
        return w;
    }

    std::vector<std::string> columns_;
    std::vector<std::vector<double>> rows_;
};

}  // namespace ink::train
