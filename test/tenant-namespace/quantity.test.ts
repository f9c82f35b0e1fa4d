import assert from "node:assert/strict";
import { isQuantity, parseQuantity } from "../../components/internal/quantity";

describe("Kubernetes quantities", () => {
    it("parses decimal, binary and exponent suffixes into base units", () => {
        const cases: [string | number, number][] = [
            ["16", 16],
            ["500m", 0.5],
            ["1.5", 1.5],
            [".5", 0.5],
            ["+2", 2],
            ["64Gi", 64 * 2 ** 30],
            ["1Ti", 2 ** 40],
            ["512Mi", 512 * 2 ** 20],
            ["1k", 1000],
            ["2M", 2e6],
            ["1G", 1e9],
            ["1n", 1e-9],
            ["2e3", 2000],
            ["1E-3", 0.001],
            [8, 8],
        ];
        for (const [text, value] of cases) assert.equal(parseQuantity(text), value, String(text));
    });

    it("rejects what the API server would reject, and negatives", () => {
        for (const bad of ["", "16 cores", "1TB", "1gi", "-1Gi", "Gi", "1.2.3", "e3", "0x10", -1, Number.NaN, null, undefined, {}]) {
            assert.equal(isQuantity(bad), false, JSON.stringify(bad));
        }
    });

    it("orders quantities across suffixes", () => {
        assert.ok(parseQuantity("1500m")! < parseQuantity("2")!);
        assert.ok(parseQuantity("1Gi")! > parseQuantity("1G")!);
        assert.ok(parseQuantity("1.5Ti")! > parseQuantity("1Ti")!);
    });
});
