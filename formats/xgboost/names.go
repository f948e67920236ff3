package xgboost

import "strings"

// Names XGBoost registers in its objective, booster and metric registries
// (src/objective, src/gbm, src/metric of XGBoost 0.90 to 2.1), including
// the aliases and removed names older models carry.
var (
	objectives = set("reg:squarederror", "reg:squaredlogerror", "reg:logistic", "reg:pseudohubererror",
		"reg:absoluteerror", "reg:quantileerror", "reg:linear", "reg:gamma", "reg:tweedie",
		"binary:logistic", "binary:logitraw", "binary:hinge", "count:poisson", "survival:cox",
		"survival:aft", "multi:softmax", "multi:softprob", "rank:pairwise", "rank:ndcg", "rank:map",
		"gpu:reg:linear", "gpu:reg:logistic", "gpu:binary:logistic", "gpu:binary:logitraw",
		"reg:expectileerror")
	boosters = set("gbtree", "gblinear", "dart")
	metrics  = set("rmse", "rmsle", "mae", "mape", "mphe", "logloss", "error", "merror", "mlogloss",
		"auc", "aucpr", "pre", "ndcg", "map", "poisson-nloglik", "gamma-nloglik", "cox-nloglik",
		"gamma-deviance", "tweedie-nloglik", "aft-nloglik", "interval-regression-accuracy",
		"quantile", "expectile")
)

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// knownMetric accepts a metric name with the parameters XGBoost parses off
// it: "error@0.7", "ndcg@5-", "tweedie-nloglik@1.5".
func knownMetric(name string) bool {
	if i := strings.IndexByte(name, '@'); i >= 0 {
		name = name[:i]
	}
	return metrics[strings.TrimSuffix(name, "-")]
}
