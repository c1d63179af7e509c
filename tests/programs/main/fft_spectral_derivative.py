# Source: written the way JAX spectral-method demos are (derivative of a periodic function
# by jnp.fft.rfft / irfft and wavenumbers from jnp.fft.rfftfreq; power spectrum)
# https://docs.jax.dev/en/latest/jax.numpy.html#module-jax.numpy.fft
import jax
import jax.numpy as jnp

jax.config.update("jax_enable_x64", True)


def spectral_derivative(u, L):
    n = u.shape[0]
    k = 2 * jnp.pi * jnp.fft.rfftfreq(n, d=L / n)
    return jnp.fft.irfft(1j * k * jnp.fft.rfft(u), n=n)


def main():
    L = 2 * jnp.pi
    x = jnp.linspace(0, L, 16, endpoint=False)
    u = jnp.sin(2 * x) + 0.5 * jnp.cos(3 * x)
    du = spectral_derivative(u, L)
    exact = 2 * jnp.cos(2 * x) - 1.5 * jnp.sin(3 * x)
    power = jnp.abs(jnp.fft.fft(u)) ** 2
    print(jnp.max(jnp.abs(du - exact)))
    return {"du": du, "exact": exact, "power": power}


if __name__ == "__main__":
    main()
