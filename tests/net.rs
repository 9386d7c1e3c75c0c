//! Networks: identity at the zero point, parameter counts and order, the flat-view round trip, and the
//! forward pass against the matrix formula of THEORY.md.
mod common;

use demystify_resnet::dfdx::prelude::*;
use demystify_resnet::net::unit::builder;
use demystify_resnet::prelude::*;
use proptest::prelude::*;

/// Forward of a linear residual net by THEORY.md's formula, one sample at a time:
/// h ← h + W_{l,n} ⋯ W_{l,1} h, with W row-major D×D taken from the flat parameters.
fn linear_resnet_formula(params: &[f64], d: usize, n: usize, x: &[f64]) -> Vec<f64> {
    let mut h = x.to_vec();
    for unit in params.chunks(n * d * d) {
        let mut z = h.clone();
        for w in unit.chunks(d * d) {
            z = (0..d)
                .map(|i| (0..d).map(|j| w[i * d + j] * z[j]).sum())
                .collect();
        }
        h.iter_mut().zip(&z).for_each(|(a, b)| *a += b);
    }
    h
}

fn forward_rows<const D: usize, Net: Network<D>>(net: &Net, data: &Dataset<D>) -> Vec<f64> {
    net.forward(data.input_batch(net.device()))
        .unwrap()
        .as_vec()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// At W = 0 every residual network is exactly the identity map, for every shortcut depth and activation.
    #[test]
    fn residual_net_is_identity_at_zero(depth in 1usize..12, seed in 0u64..1000) {
        let data = common::teacher::<3>(16, seed);
        let x = data.inputs().to_vec();
        prop_assert_eq!(forward_rows(&ResNet::<3, 1>::zeros(depth).unwrap(), &data), x.clone());
        prop_assert_eq!(forward_rows(&ResNet::<3, 2>::zeros(depth).unwrap(), &data), x.clone());
        prop_assert_eq!(forward_rows(&ResNet::<3, 3, Tanh>::zeros(depth).unwrap(), &data), x.clone());
        prop_assert_eq!(forward_rows(&ResNet::<3, 2, ReLU>::zeros(depth).unwrap(), &data), x.clone());
        prop_assert_eq!(forward_rows(&PlainNet::<3>::new(depth, &Init::Identity, 0).unwrap(), &data), x);
    }

    /// params() ∘ set_params() is the identity on R^P, and the count is P = n·L·D².
    #[test]
    fn flat_parameters_round_trip(depth in 1usize..6, values in proptest::collection::vec(-3.0f64..3.0, 2 * 5 * 16)) {
        let mut net = ResNet::<4, 2>::zeros(depth).unwrap();
        prop_assert_eq!(net.num_params(), 2 * depth * 16);
        let p = &values[..net.num_params()];
        net.set_params(p).unwrap();
        prop_assert_eq!(net.params(), p.to_vec());
    }

    /// The dfdx forward pass equals the product formula (I + W_{L,n}⋯W_{L,1})⋯(I + W_{1,n}⋯W_{1,1}) x, which
    /// also pins down the parameter order (unit-major, layer k = 1..n, row-major).
    #[test]
    fn forward_matches_theory_formula(depth in 1usize..5, seed in 0u64..1000) {
        let data = common::teacher::<3>(5, seed);
        let net = ResNet::<3, 2>::new(depth, &Init::XavierNormal, seed).unwrap();
        let out = forward_rows(&net, &data);
        let p = net.params();
        for i in 0..data.len() {
            let expected = linear_resnet_formula(&p, 3, 2, data.input(i));
            for (a, b) in out[i * 3..(i + 1) * 3].iter().zip(&expected) {
                prop_assert!((a - b).abs() < 1e-12, "{} vs {}", a, b);
            }
        }
    }
}

/// The same network with σ fixed in its type (`ResNet<D, N, Tanh>`) and with σ as a run-time value
/// (`ResNet<D, N, ActivationKind>`, what `build_network` compiles): same weights from the same seed, and the same
/// forward pass, loss and gradient, bit for bit.
fn assert_same_network<const D: usize, Static: Network<D>, Runtime: Network<D>>(
    fixed: &Static,
    runtime: &Runtime,
    data: &Dataset<D>,
) -> std::result::Result<(), TestCaseError> {
    prop_assert_eq!(fixed.activation(), runtime.activation());
    prop_assert_eq!(fixed.describe(), runtime.describe());
    prop_assert_eq!(fixed.params(), runtime.params());
    prop_assert_eq!(forward_rows(fixed, data), forward_rows(runtime, data));
    prop_assert_eq!(
        fixed.loss_and_gradient(data).unwrap(),
        runtime.loss_and_gradient(data).unwrap()
    );
    // Moving to a device of its own rebuilds every dfdx module; the run-time σ must survive it.
    let moved = runtime.on_own_device().unwrap();
    prop_assert_eq!(moved.activation(), runtime.activation());
    prop_assert_eq!(forward_rows(&moved, data), forward_rows(fixed, data));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// σ as a type and σ as a value give the same network, for every activation and architecture.
    #[test]
    fn runtime_activation_equals_compile_time_activation(depth in 1usize..5, seed in 0u64..1000) {
        let data = common::teacher::<3>(8, seed);
        let init = Init::XavierNormal;
        use ActivationKind::{Linear, Relu, Tanh as TanhKind};
        assert_same_network(
            &ResNet::<3, 2>::new(depth, &init, seed).unwrap(),
            &ResNet::<3, 2, ActivationKind>::with_activation(Linear, depth, &init, seed).unwrap(),
            &data,
        )?;
        assert_same_network(
            &ResNet::<3, 2, Tanh>::new(depth, &init, seed).unwrap(),
            &ResNet::<3, 2, ActivationKind>::with_activation(TanhKind, depth, &init, seed).unwrap(),
            &data,
        )?;
        assert_same_network(
            &ResNet::<3, 3, ReLU>::new(depth, &init, seed).unwrap(),
            &ResNet::<3, 3, ActivationKind>::with_activation(Relu, depth, &init, seed).unwrap(),
            &data,
        )?;
        assert_same_network(
            &PlainNet::<3, Tanh>::new(depth, &init, seed).unwrap(),
            &PlainNet::<3, ActivationKind>::with_activation(TanhKind, depth, &init, seed).unwrap(),
            &data,
        )?;
        assert_same_network(
            &PlainNet::<3, ReLU>::new(depth, &init, seed).unwrap(),
            &PlainNet::<3, ActivationKind>::with_activation(Relu, depth, &init, seed).unwrap(),
            &data,
        )?;
    }

    /// `ActivationKind::derivatives` are the derivatives of `ActivationKind::scalar` (central differences, away
    /// from ReLU's kink), and σ(0) = 0 for all three.
    #[test]
    fn activation_derivatives_match_finite_differences(x in -3.0f64..3.0) {
        prop_assume!(x.abs() > 1e-3);
        let h = 1e-5;
        for kind in ActivationKind::ALL {
            prop_assert_eq!(kind.scalar(0.0), 0.0);
            let (slope, curvature) = kind.derivatives(x);
            let numeric_slope = (kind.scalar(x + h) - kind.scalar(x - h)) / (2.0 * h);
            let numeric_curvature = (kind.derivatives(x + h).0 - kind.derivatives(x - h).0) / (2.0 * h);
            prop_assert!((slope - numeric_slope).abs() < 1e-8, "{:?} slope {} vs {}", kind, slope, numeric_slope);
            prop_assert!(
                (curvature - numeric_curvature).abs() < 1e-6,
                "{:?} σ'' {} vs {}", kind, curvature, numeric_curvature
            );
        }
    }
}

/// The slopes at 0 that scale the Hessian at the zero point: autodiff sees 1, 1, 0; a symmetric difference
/// across the ReLU kink sees ½ (THEORY.md, "Nonlinear branches").
#[test]
fn slopes_at_zero_follow_the_conventions() {
    let h = 1e-6;
    for kind in ActivationKind::ALL {
        assert_eq!(
            kind.autodiff_slope_at_zero(),
            kind.derivatives(0.0).0,
            "{kind:?}"
        );
        let symmetric = (kind.scalar(h) - kind.scalar(-h)) / (2.0 * h);
        assert!(
            (kind.central_difference_slope_at_zero() - symmetric).abs() < 1e-9,
            "{kind:?}"
        );
    }
}

#[test]
fn parameter_counts_follow_n_l_d_squared() {
    assert_eq!(ResNet::<8, 2>::zeros(16).unwrap().num_params(), 2048);
    assert_eq!(ResNet::<4, 3>::zeros(5).unwrap().num_params(), 3 * 5 * 16);
    assert_eq!(
        PlainNet::<4>::new(7, &Init::Identity, 0)
            .unwrap()
            .num_params(),
        7 * 16
    );
    assert_eq!(ResidualUnit::<4, 3>::NUM_PARAMS, 48);
}

#[test]
fn depth_zero_is_an_error_not_a_panic() {
    assert_eq!(
        ResNet::<4, 2>::zeros(0).unwrap_err(),
        Error::ZeroSize { field: "depth" }
    );
    assert!(matches!(
        PlainNet::<4>::new(0, &Init::Identity, 0),
        Err(Error::ZeroSize { field: "depth" })
    ));
}

#[test]
fn set_params_rejects_wrong_length_and_non_finite_values() {
    let mut net = ResNet::<2, 2>::zeros(3).unwrap();
    assert!(matches!(
        net.set_params(&[0.0; 5]),
        Err(Error::ShapeMismatch {
            expected: 24,
            found: 5,
            ..
        })
    ));
    let mut p = vec![0.0; 24];
    p[7] = f64::NAN;
    assert!(matches!(net.set_params(&p), Err(Error::NonFinite { .. })));
    assert_eq!(
        net.params(),
        vec![0.0; 24],
        "a rejected vector must leave the weights untouched"
    );
}

/// The unit is a real dfdx module: dfdx builds it, counts its parameters, and the fully type-level network
/// `Repeated<ResidualUnit, L>` computes the same function as the run-time-depth `ResNet`.
#[test]
fn unit_is_a_dfdx_module_and_type_level_form_agrees() {
    let dev = Cpu::default();
    type Model = Repeated<builder::ResidualUnit<3, 2, Tanh>, 4>;
    let mut model = dev.build_module::<Model, f64>();
    assert_eq!(model.num_trainable_params(), 4 * 2 * 9);

    let mut net = ResNet::<3, 2, Tanh>::new(4, &Init::XavierNormal, 7).unwrap();
    let p = net.params();
    for (l, unit) in model.modules.iter_mut().enumerate() {
        for (k, layer) in unit.layers.iter_mut().enumerate() {
            let start = (l * 2 + k) * 9;
            layer.weight.copy_from(&p[start..start + 9]);
        }
    }
    net.set_params(&p).unwrap();
    let data = common::teacher::<3>(6, 1);
    let x: Tensor<(usize, Const<3>), f64, Cpu> = data.input_batch(&dev);
    let typed = model.forward(x).as_vec();
    let runtime = forward_rows(&net, &data);
    assert!(common::max_abs_diff(&typed, &runtime) < 1e-14);
    // Single vectors work too.
    let single: Tensor<Rank1<3>, f64, Cpu> = dev.tensor([0.1, -0.2, 0.3]);
    let _ = model.forward(single);
}

/// A plain network at the identity and a shortcut-1 residual network at zero are the same function (THEORY.md:
/// V_l = I + W_l), with the same loss and gradient.
#[test]
fn plain_at_identity_equals_shortcut_one_at_zero() {
    let data = common::worked_example();
    let plain = PlainNet::<2>::new(3, &Init::Identity, 0).unwrap();
    let res = ResNet::<2, 1>::zeros(3).unwrap();
    let (lp, gp) = plain.loss_and_gradient(&data).unwrap();
    let (lr, gr) = res.loss_and_gradient(&data).unwrap();
    assert_eq!(lp, lr);
    assert!(common::max_abs_diff(&gp, &gr) < 1e-15);
}

#[test]
fn describe_names_the_architecture() {
    let net = ResNet::<4, 2, Tanh>::zeros(8).unwrap();
    assert_eq!(net.describe(), "residual n=2, L=8, tanh, D=4");
    assert_eq!(net.architecture(), Architecture::Residual { shortcut: 2 });
    assert_eq!(
        PlainNet::<4, ReLU>::new(2, &Init::Identity, 0)
            .unwrap()
            .describe(),
        "plain, L=2, relu, D=4"
    );
}
