// Package perception will hold collaborative perception: sender models for connected vehicles and roadside
// units, delayed and noisy detection messages, delay compensation, association and uncertainty-weighted
// trust fusion, and the AP evaluation.
//
// It is empty until that work is built (see the project's issues); nothing depends on it yet.
package perception
