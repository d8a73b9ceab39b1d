"""Writes tests/filetests/ops/convolution_taps.kir: convolutions with few input channels
(which kc's XLA lowering writes out as a sum over taps), with expectations computed by
jax.lax.conv_general_dilated.

    .deps/keras-venv/bin/python tests/filetests/ops/convolution_taps.py
"""
import os
import numpy as np
from jax import lax
x = (np.arange(2*4*5*3) % 7 - 3).astype(np.float32).reshape(2,4,5,3) * 0.5   # NHWC
k = (np.arange(2*2*3*2) % 5 - 2).astype(np.float32).reshape(2,2,3,2)          # HWIO
def conv(x,k,dn,**kw): return np.asarray(lax.conv_general_dilated(x,k,dimension_numbers=dn,**kw))
o1 = conv(x,k,('NHWC','HWIO','NHWC'), window_strides=(1,1), padding='VALID')
o2 = conv(x,k,('NHWC','HWIO','NHWC'), window_strides=(2,1), padding=((1,1),(0,2)))
o3 = conv(x,k,('NHWC','HWIO','NHWC'), window_strides=(1,1), padding='VALID', rhs_dilation=(2,2))
xc = np.transpose(x,(0,3,1,2)); kc_ = np.transpose(k,(3,2,0,1))  # NCHW, OIHW
o4 = conv(xc,kc_,('NCHW','OIHW','NCHW'), window_strides=(1,2), padding=((0,1),(1,0)))
import json
J=lambda a: json.dumps(a.tolist())
hdr=f"""// RUN: kc run %s
// INPUT: x = {J(x)}
// INPUT: k = {J(k)}
""" + "".join(f"// EXPECT: {J(o)}\n" for o in (o1,o2,o3,o4)) + """// Convolutions with few input channels (3 here), which the XLA lowering writes out as a
// sum over taps (lowering/src/stablehlo/conv_taps.rs); expectations from
// jax.lax.conv_general_dilated (tests/filetests/ops/convolution_taps.py writes this file).
// 1. NHWC input, HWIO kernel, valid.
// 2. stride (2, 1), padding ((1, 1), (0, 2)).
// 3. rhs_dilation (2, 2).
// 4. NCHW / OIHW (the defaults), stride (1, 2), padding ((0, 1), (1, 0)).
func @main(%x: f32[2, 4, 5, 3], %k: f32[2, 2, 3, 2]) -> (f32[2, 3, 4, 2], f32[2, 3, 6, 2], f32[2, 2, 3, 2], f32[2, 2, 4, 3]) {
  %0 = convolution %x, %k {input_dims = [0, 3, 1, 2], kernel_dims = [2, 3, 0, 1], output_dims = [0, 3, 1, 2]} : f32[2, 3, 4, 2]
  %1 = convolution %x, %k {input_dims = [0, 3, 1, 2], kernel_dims = [2, 3, 0, 1], output_dims = [0, 3, 1, 2], padding_high = [1, 2], padding_low = [1, 0], window_strides = [2, 1]} : f32[2, 3, 6, 2]
  %2 = convolution %x, %k {input_dims = [0, 3, 1, 2], kernel_dims = [2, 3, 0, 1], output_dims = [0, 3, 1, 2], rhs_dilation = [2, 2]} : f32[2, 2, 3, 2]
  %3 = transpose %x {permutation = [0, 3, 1, 2]} : f32[2, 3, 4, 5]
  %4 = transpose %k {permutation = [3, 2, 0, 1]} : f32[2, 3, 2, 2]
  %5 = convolution %3, %4 {padding_high = [1, 0], padding_low = [0, 1], window_strides = [1, 2]} : f32[2, 2, 4, 3]
  return %0, %1, %2, %5
}
"""
open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'convolution_taps.kir'), 'w').write(hdr)
