/**
 * What the stack prices from `plan/prices.ts`: the Region (`aws:region`) the
 * table must cover, and the per-token cost the gateway charges for each
 * self-hosted model, derived from its pool's instance families and their
 * on-demand price in that Region (the formula and its assumptions are next
 * to the price table).
 */
import type { Problem } from "../components/internal/errors";
import { poolAdvertisedPerGpu, poolFamilies } from "../components/internal/gpu-instances";
import { isPriceRegion, PriceRegion, REGION_PRICES, selfHostedPrice, SelfHostedPrice, SUPPORTED_REGIONS } from "../plan/prices";
import { NAMESPACE, PlatformConfig } from "./config";

/** The config key the Region comes from (the AWS provider's). */
export const REGION_KEY = "aws:region";

/** `aws:region` unset or outside the price table, as a problem at that key. */
export function regionProblems(awsRegion: string | undefined): Problem[] {
    if (awsRegion !== undefined && isPriceRegion(awsRegion)) return [];
    return [{
        path: REGION_KEY,
        value: awsRegion,
        allowed: `expected one of ${SUPPORTED_REGIONS.join(", ")}: the Regions plan/prices.ts records prices for (self-hosted model prices and the plan's estimate come from them); set it with \`pulumi config set aws:region <region>\``,
    }];
}

/** The price of `m`'s tokens in `region`, or the problem at the model's config key. */
export function modelPrice(config: PlatformConfig, i: number, region: PriceRegion): SelfHostedPrice | Problem {
    const m = config.models[i];
    const pool = config.pools.find((p) => p.name === m.pool);
    const at = `${NAMESPACE}:models[${i}]`;
    // An unknown pool is reported by the schema at models[i].pool.
    if (!pool) return { path: `${at}.pool`, value: m.pool, allowed: "a pool of genai-platform:pools" };
    const price = selfHostedPrice(REGION_PRICES[region], {
        model: m.model,
        tensorParallelSize: m.tensorParallelSize ?? 1,
        families: poolFamilies(pool),
        advertisedPerGpu: poolAdvertisedPerGpu(pool),
        measuredThroughput: m.measuredThroughput,
        nodes: m.nodes,
        parametersBillions: m.parametersBillions,
    });
    if ("problem" in price) {
        const key = m.measuredThroughput !== undefined ? "pool" : "measuredThroughput";
        return { path: `${at}.${key}`, value: key === "pool" ? m.pool : m.measuredThroughput, allowed: `the gateway prices self-hosted tokens from the pool's price: ${price.problem}` };
    }
    return price;
}

/** The problem pricing model `i` in `region`, if it has no price. */
export function modelPriceProblems(config: PlatformConfig, i: number, region: PriceRegion): Problem[] {
    const price = modelPrice(config, i, region);
    return "path" in price ? [price] : [];
}
