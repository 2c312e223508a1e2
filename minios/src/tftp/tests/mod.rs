//! Host tests of the TFTP client against a fake server on a simulated clock.

mod fake;
mod hostile;
mod loss;
mod protocol;
mod transfer;
mod wire;
